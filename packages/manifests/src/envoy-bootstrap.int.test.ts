/**
 * The Envoy bootstraps the scenarios deploy, as rendered by kustomize (the
 * ConfigMap a pod mounts, not the file beside it): they decode against
 * Envoy's v3 protos (the `envoy` policy does that for every scenario), and
 * they say what each scenario's README claims they say.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { KubeObject } from './kube-object.js';
import { containers } from './pod-templates.js';
import { envoyBootstraps } from './policy-envoy.js';
import { envoyBootstrapIssues, formatEnvoyIssue } from './envoy-config-decode.js';
import { renderScenario } from './scenario-manifests.js';

// biome-ignore lint/suspicious/noExplicitAny: a decoded bootstrap is walked by its known paths.
type Json = any;

const HEADLESS = 'addr-server.grpc-lb.svc.cluster.local';

function bootstrapOf(objects: KubeObject[]): { name: string; config: Json; text: string } {
  const found = envoyBootstraps(objects);
  expect(found).toHaveLength(1);
  const [bootstrap] = found;
  return {
    name: bootstrap!.object.split('/').at(-1)!,
    config: parse(bootstrap!.text),
    text: bootstrap!.text,
  };
}

/** The cluster every lab bootstrap balances over: the headless Service's A records, per call. */
function expectDnsCluster(config: Json): void {
  const [cluster] = config.static_resources.clusters;
  expect(cluster.type).toBe('STRICT_DNS');
  expect(cluster.lb_policy).toBe('ROUND_ROBIN');
  expect(cluster.dns_refresh_rate).toBe('5s');
  const options =
    cluster.typed_extension_protocol_options[
      'envoy.extensions.upstreams.http.v3.HttpProtocolOptions'
    ];
  expect(options['@type']).toBe(
    'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
  );
  expect(options.explicit_http_config).toHaveProperty('http2_protocol_options');
  const [endpoint] = cluster.load_assignment.endpoints[0].lb_endpoints;
  expect(endpoint.endpoint.address.socket_address).toEqual({
    address: HEADLESS,
    port_value: 50051,
  });
}

describe('envoy-static: the sidecar bootstrap', () => {
  let objects: KubeObject[];
  beforeAll(async () => {
    objects = await renderScenario('envoy-static');
  });

  it("decodes against Envoy's v3 protos", () => {
    expect(envoyBootstrapIssues(bootstrapOf(objects).text).map(formatEnvoyIssue)).toEqual([]);
  });

  it('listens on loopback, admin included, and balances per call over the headless Service', () => {
    const { config } = bootstrapOf(objects);
    expect(config.static_resources.listeners[0].address.socket_address).toEqual({
      address: '127.0.0.1',
      port_value: 10000,
    });
    expect(config.admin.address.socket_address.address).toBe('127.0.0.1');
    expectDnsCluster(config);
  });

  it('is mounted by the envoy sidecar of client-envoy, which the client calls on 10000', () => {
    const { name } = bootstrapOf(objects);
    const pod = containers(objects).filter((c) => c.pod.ref === 'Job/grpc-lb/client-envoy');
    const envoy = pod.find((c) => c.container.name === 'envoy');
    expect(envoy?.path).toBe('spec.template.spec.initContainers[0]');
    expect(envoy?.container.restartPolicy).toBe('Always');
    expect(
      envoy?.pod.spec.volumes?.find((v) => v.name === 'envoy-bootstrap')?.configMap?.name,
    ).toBe(name);
    const client = pod.find((c) => c.container.name === 'client');
    expect(client?.container.args).toContain('--target=ipv4:127.0.0.1:10000');
  });
});
