import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  envoyBootstrapIssues,
  envoyMessageIssues,
  formatEnvoyIssue,
} from './envoy-config-decode.js';
import { k8sPaths } from './repo-paths.js';

/** The envoy-static sidecar's bootstrap: a real, complete v3 config to break one field at a time. */
const bootstrap = readFileSync(
  join(k8sPaths.scenarios, 'envoy-static', 'clients', 'envoy', 'envoy.yaml'),
  'utf8',
);
const issuesOf = (text: string) => envoyBootstrapIssues(text).map(formatEnvoyIssue);
const replaced = (from: string, to: string) => {
  expect(bootstrap).toContain(from);
  return bootstrap.replace(from, to);
};

describe("envoyBootstrapIssues: Envoy's v3 protos, unknown fields rejected", () => {
  it('the envoy-static bootstrap decodes, every Any included', () => {
    expect(issuesOf(bootstrap)).toEqual([]);
  });

  it('a misspelled field, with its path and the message it is in', () => {
    expect(issuesOf(replaced('dns_refresh_rate: 5s', 'dns_refresh_rte: 5s'))).toEqual([
      'static_resources.clusters[0].dns_refresh_rte: unknown field in envoy.config.cluster.v3.Cluster',
    ]);
  });

  it('a misspelled field inside an Any, checked as the message its type URL names', () => {
    expect(issuesOf(replaced('stat_prefix: grpc', 'stats_prefix: grpc'))).toEqual([
      'static_resources.listeners[0].filter_chains[0].filters[0].typed_config.stats_prefix: unknown field in envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
      // stat_prefix is required (min_len 1), and now missing.
      'static_resources.listeners[0].filter_chains[0].filters[0].typed_config.stat_prefix: required by envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager (at least 1 character(s))',
    ]);
  });

  it('the v2 syntax of the original talk', () => {
    const v2 = replaced(
      'lb_policy: ROUND_ROBIN',
      'lb_policy: ROUND_ROBIN\n      http2_protocol_options: {}\n      hosts: [{ socket_address: { address: addr-server, port_value: 50051 } }]',
    );
    expect(issuesOf(v2)).toEqual([
      "static_resources.clusters[0].http2_protocol_options: deprecated in Envoy's v3 API (envoy.config.cluster.v3.Cluster.http2_protocol_options)",
      'static_resources.clusters[0].hosts: unknown field in envoy.config.cluster.v3.Cluster',
    ]);
  });

  it('a value outside an enum, with the allowed names', () => {
    const [issue] = issuesOf(replaced('lb_policy: ROUND_ROBIN', 'lb_policy: ROUND_ROBIN_PLEASE'));
    expect(issue).toMatch(
      /^static_resources\.clusters\[0\]\.lb_policy: must be one of ROUND_ROBIN, LEAST_REQUEST, .* \(envoy\.config\.cluster\.v3\.Cluster\.LbPolicy\)$/,
    );
  });

  it('a duration that is not one, and a port that is not a number', () => {
    expect(issuesOf(replaced('dns_refresh_rate: 5s', 'dns_refresh_rate: 5 seconds'))).toEqual([
      'static_resources.clusters[0].dns_refresh_rate: must be a duration in seconds, such as "5s" or "0.25s"',
    ]);
    expect(issuesOf(replaced('port_value: 10000', 'port_value: ten-thousand'))).toEqual([
      'static_resources.listeners[0].address.socket_address.port_value: must be a uint32',
    ]);
  });

  it('an Any whose type this Envoy does not have', () => {
    expect(
      issuesOf(
        replaced(
          'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router',
          'type.googleapis.com/envoy.extensions.filters.http.routr.v3.Router',
        ),
      ),
    ).toEqual([
      'static_resources.listeners[0].filter_chains[0].filters[0].typed_config.http_filters[0].typed_config.@type: unknown type envoy.extensions.filters.http.routr.v3.Router: not an extension this check knows',
    ]);
  });

  it('two members of one oneof', () => {
    const issues = envoyMessageIssues('envoy.config.core.v3.SocketAddress', {
      address: '127.0.0.1',
      port_value: 1,
      named_port: 'grpc',
    });
    expect(issues.map(formatEnvoyIssue)).toEqual([
      '(root): port_value and named_port: one of port_specifier only',
    ]);
  });

  it('accepts the JSON names as well as the proto names, but not both at once', () => {
    expect(
      envoyMessageIssues('envoy.config.core.v3.SocketAddress', { address: 'a', portValue: 1 }),
    ).toEqual([]);
    expect(
      envoyMessageIssues('envoy.config.core.v3.SocketAddress', {
        address: 'a',
        portValue: 1,
        port_value: 1,
      }).map(formatEnvoyIssue),
    ).toEqual(['port_value: given twice (also as portValue)']);
  });

  it('text that is not YAML', () => {
    expect(issuesOf('admin: [')[0]).toMatch(/^\(root\): not valid YAML: /);
  });
});
