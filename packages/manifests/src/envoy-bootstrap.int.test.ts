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

describe('node-proxy: the node-level Envoy', () => {
  let objects: KubeObject[];
  beforeAll(async () => {
    objects = await renderScenario('node-proxy');
  });
  const find = (kind: string, name: string): Json => {
    const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
    expect(found, `${kind}/${name}`).toBeDefined();
    return found;
  };

  it("decodes against Envoy's v3 protos", () => {
    expect(envoyBootstrapIssues(bootstrapOf(objects).text).map(formatEnvoyIssue)).toEqual([]);
  });

  it('serves gRPC on the pod IP, admin on loopback only, and balances per call over the headless Service', () => {
    const { config } = bootstrapOf(objects);
    const grpc = config.static_resources.listeners.find((l: Json) => l.name === 'grpc');
    expect(grpc.address.socket_address).toEqual({ address: '0.0.0.0', port_value: 10000 });
    expect(grpc.filter_chains[0].filters[0].typed_config.codec_type).toBe('HTTP2');
    expect(config.admin.address.socket_address.address).toBe('127.0.0.1');
    expectDnsCluster(config);
  });

  it("names its node in x-lab-proxy on every answer, from the pod's NODE_NAME", () => {
    const { config } = bootstrapOf(objects);
    const grpc = config.static_resources.listeners.find((l: Json) => l.name === 'grpc');
    const routes = grpc.filter_chains[0].filters[0].typed_config.route_config;
    expect(routes.response_headers_to_add).toEqual([
      {
        header: { key: 'x-lab-proxy', value: '%ENVIRONMENT(NODE_NAME)%' },
        append_action: 'OVERWRITE_IF_EXISTS_OR_ADD',
      },
    ]);
    const [envoy] = containers([find('DaemonSet', 'node-proxy')]);
    expect(envoy?.container.env).toEqual([
      { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
    ]);
  });

  it('answers the readiness probe on its own HTTP/1.1 health listener', () => {
    const { config, name } = bootstrapOf(objects);
    const health = config.static_resources.listeners.find((l: Json) => l.name === 'health');
    const manager = health.filter_chains[0].filters[0].typed_config;
    expect(manager.codec_type).toBe('HTTP1');
    const [check] = manager.http_filters;
    expect(check.name).toBe('envoy.filters.http.health_check');
    expect(check.typed_config.pass_through_mode).toBe(false);
    expect(check.typed_config.headers).toEqual([
      { name: ':path', string_match: { exact: '/ready' } },
    ]);
    const daemonSet = find('DaemonSet', 'node-proxy');
    const [envoy] = containers([daemonSet]);
    const port = (portName: string) =>
      envoy?.container.ports?.find((p) => p.name === portName)?.containerPort;
    expect(port('http-health')).toBe(health.address.socket_address.port_value);
    expect(port('grpc')).toBe(10000);
    expect(envoy?.container.readinessProbe?.httpGet).toEqual({
      path: '/ready',
      port: 'http-health',
    });
    expect(
      daemonSet.spec.template.spec.volumes.find((v: Json) => v.name === 'envoy-bootstrap').configMap
        .name,
    ).toBe(name);
    // Surge: a node's new proxy is Ready before its old one goes.
    expect(daemonSet.spec.updateStrategy.rollingUpdate).toEqual({ maxSurge: 1, maxUnavailable: 0 });
  });

  it('is reached through a Service that keeps each connection on its own node', () => {
    const service = find('Service', 'node-proxy');
    expect(service.spec.internalTrafficPolicy).toBe('Local');
    expect(service.spec.clusterIP).toBeUndefined();
    expect(service.spec.ports).toEqual([
      {
        name: 'grpc',
        port: 10000,
        targetPort: 'grpc',
        protocol: 'TCP',
        appProtocol: 'kubernetes.io/h2c',
      },
    ]);
  });

  it("gives every client its NODE_NAME, and the proxied ones the Service's name on different nodes", () => {
    const clients = containers(objects).filter((c) => c.pod.ref.startsWith('Job/grpc-lb/client-'));
    expect(clients.map((c) => c.pod.ref).sort()).toEqual([
      'Job/grpc-lb/client-direct',
      'Job/grpc-lb/client-via-proxy-1',
      'Job/grpc-lb/client-via-proxy-2',
    ]);
    for (const { container } of clients) {
      expect(container.env).toEqual([
        { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
      ]);
    }
    for (const { pod, container } of clients.filter((c) => c.pod.ref.includes('via-proxy'))) {
      expect(container.args).toContain(
        '--target=dns:///node-proxy.grpc-lb.svc.cluster.local:10000',
      );
      const [term] =
        pod.spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
      expect(term?.topologyKey).toBe('kubernetes.io/hostname');
      const selector = term?.labelSelector?.matchLabels ?? {};
      expect(Object.entries(selector).every(([key, value]) => pod.labels[key] === value)).toBe(
        true,
      );
    }
  });
});
