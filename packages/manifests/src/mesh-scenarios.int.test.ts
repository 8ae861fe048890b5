/**
 * What the mesh scenarios' READMEs say about their manifests, checked on
 * the render: the namespace is meshed the way the mesh expects, the Service
 * is one the mesh balances, and the Istio rules do what scenario.yaml
 * expects them to (the fault's share against the `failed` range).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { duration } from '@lab/cli';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { KubeObject } from './kube-object.js';
import { podTemplates } from './pod-templates.js';
import { k8sPaths } from './repo-paths.js';
import { renderScenario } from './scenario-manifests.js';
import { formatSchemaIssue, validateObjects } from './schema-validate.js';

// biome-ignore lint/suspicious/noExplicitAny: rendered objects are walked by their known paths.
type Json = any;

const find = (objects: KubeObject[], kind: string, name?: string): Json => {
  const found = objects.find(
    (o) => o.kind === kind && (name === undefined || o.metadata.name === name),
  );
  expect(found, `${kind}/${name ?? '*'}`).toBeDefined();
  return found;
};

const clientPod = (objects: KubeObject[], client: string) => {
  const pod = podTemplates(objects).find((p) => p.ref === `Job/grpc-lb/client-${client}`);
  expect(pod, `client-${client}`).toBeDefined();
  return pod!;
};

const scenarioYaml = (id: string): Json =>
  parse(readFileSync(join(k8sPaths.scenarios, id, 'scenario.yaml'), 'utf8'));

/** The Service the mesh must balance: ClusterIP, with a port the mesh reads as gRPC. */
function expectClusterIpGrpc(objects: KubeObject[]): void {
  const service = find(objects, 'Service', 'addr-server');
  expect(service.spec.clusterIP).toBeUndefined();
  expect(service.spec.type).toBe('ClusterIP');
  expect(service.spec.ports[0]).toMatchObject({ name: 'grpc', appProtocol: 'kubernetes.io/h2c' });
}

describe('istio', () => {
  let objects: KubeObject[];
  beforeAll(async () => {
    objects = await renderScenario('istio');
  });

  it('labels the namespace for injection, and lets the injected init container run', () => {
    const labels = find(objects, 'Namespace').metadata.labels;
    expect(labels['istio-injection']).toBe('enabled');
    expect(labels['pod-security.kubernetes.io/enforce']).toBe('privileged');
  });

  it('targets the ClusterIP Service, never the headless one (passthrough in Istio)', () => {
    expectClusterIpGrpc(objects);
  });

  it('has its Istio objects valid against @kubernetes-models/istio, field names included', async () => {
    const istio = objects.filter((o) => o.apiVersion.startsWith('networking.istio.io/'));
    expect(istio.map((o) => o.kind).sort()).toEqual(['DestinationRule', 'VirtualService']);
    expect((await validateObjects(istio)).map(formatSchemaIssue)).toEqual([]);
  });

  it("aborts the faulty client's calls at the share its failed range is built around", () => {
    const scenario = scenarioYaml('istio');
    const route = find(objects, 'VirtualService', 'addr-server').spec.http[0];
    expect(route.match[0].sourceLabels).toEqual({ 'grpc-lb-lab/client': 'faulty' });
    expect(clientPod(objects, 'faulty').labels['grpc-lb-lab/client']).toBe('faulty');
    const { percentage, grpcStatus } = route.fault.abort;
    expect(grpcStatus).toBe('UNAVAILABLE');
    const faulty = scenario.clients.find((c: Json) => c.name === 'faulty');
    const measure = scenario.steps.find((s: Json) => s.expect?.faulty?.failed !== undefined);
    const calls = (faulty.rps * duration(measure.for)) / 1000;
    const expected = (percentage.value / 100) * calls;
    const sd = Math.sqrt(calls * (percentage.value / 100) * (1 - percentage.value / 100));
    const { min, max } = measure.expect.faulty.failed;
    // The range holds the expected count with at least 4 standard deviations either side.
    expect(min).toBeLessThanOrEqual(expected - 4 * sd);
    expect(max).toBeGreaterThanOrEqual(expected + 4 * sd);
    expect(min).toBeGreaterThan(0);
  });

  it('shows ROUND_ROBIN and LEAST_REQUEST side by side, chosen by the calling client', () => {
    const rule = find(objects, 'DestinationRule', 'addr-server');
    const policies = Object.fromEntries(
      rule.spec.subsets.map((s: Json) => [s.name, s.trafficPolicy.loadBalancer.simple]),
    );
    expect(policies).toEqual({ 'round-robin': 'ROUND_ROBIN', 'least-request': 'LEAST_REQUEST' });
    const routes = find(objects, 'VirtualService', 'addr-server').spec.http;
    const leastRequest = routes.find((r: Json) => r.name === 'least-request');
    expect(leastRequest.match[0].sourceLabels).toEqual({ 'grpc-lb-lab/client': 'least-request' });
    expect(leastRequest.route[0].destination.subset).toBe('least-request');
    expect(routes.at(-1).match).toBeUndefined();
    expect(routes.at(-1).route[0].destination.subset).toBe('round-robin');
  });
});

describe('linkerd', () => {
  let objects: KubeObject[];
  beforeAll(async () => {
    objects = await renderScenario('linkerd');
  });

  it('annotates the namespace for injection, and lets the injected init container run', () => {
    const namespace = find(objects, 'Namespace');
    expect(namespace.metadata.annotations['linkerd.io/inject']).toBe('enabled');
    expect(namespace.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('privileged');
  });

  it('leaves the outside client out of the mesh, and only that one', () => {
    const inject = (client: string) =>
      (clientPod(objects, client).owner as Json).spec.template.metadata.annotations?.[
        'linkerd.io/inject'
      ];
    expect(inject('outside')).toBe('disabled');
    expect(inject('meshed')).toBeUndefined();
    const server = find(objects, 'Deployment', 'addr-server');
    expect(server.spec.template.metadata.annotations?.['linkerd.io/inject']).toBeUndefined();
  });

  it('targets the ClusterIP Service: Linkerd does not balance a headless one', () => {
    expectClusterIpGrpc(objects);
  });

  it('has no Linkerd resources of its own to validate (injection is all it needs)', () => {
    expect(objects.filter((o) => o.apiVersion.includes('linkerd.io'))).toEqual([]);
  });
});

describe('linkerd1-daemonset (legacy)', () => {
  let objects: KubeObject[];
  beforeAll(async () => {
    objects = await renderScenario('linkerd1-daemonset');
  });

  it("routes the gRPC service's name to the headless Service's grpc port with the io.l5d.k8s namer", () => {
    const configMap = objects.find(
      (o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('linkerd-config'),
    );
    const config: Json = parse((configMap as Json).data['linkerd.yaml']);
    expect(config.namers).toEqual([{ kind: 'io.l5d.k8s', host: 'localhost', port: 8001 }]);
    const [router] = config.routers;
    expect(router.protocol).toBe('h2');
    expect(router.identifier).toEqual({ kind: 'io.l5d.header.path', segments: 1 });
    expect(router.dtab.trim()).toBe(
      '/svc/lab.addr.v1.AddrService => /#/io.l5d.k8s/grpc-lb/grpc/addr-server;',
    );
    expect(router.servers).toEqual([{ port: 4140, ip: '0.0.0.0' }]);
    const service = find(objects, 'Service', 'addr-server');
    expect(service.spec.clusterIP).toBe('None');
    expect(service.spec.ports[0].name).toBe('grpc');
  });

  it("runs a router per node on hostPort 4140, and the client calls its own node's", () => {
    const daemonSet = find(objects, 'DaemonSet', 'linkerd');
    const [linkerd] = daemonSet.spec.template.spec.containers;
    expect(linkerd.ports[0]).toMatchObject({ containerPort: 4140, hostPort: 4140 });
    const client = (clientPod(objects, 'via-node').spec.containers ?? [])[0]!;
    // $(HOST_IP) in the args only expands from a variable defined in env.
    expect(client.env).toEqual([
      { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
      { name: 'HOST_IP', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } },
    ]);
    expect(client.args).toContain('--target=ipv4:$(HOST_IP):4140');
    expect(find(objects, 'Namespace').metadata.labels['pod-security.kubernetes.io/enforce']).toBe(
      'privileged',
    );
  });
});
