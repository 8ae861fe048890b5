/**
 * ADS on the wire: a plain grpc-js stream written against Envoy's protos
 * (no xDS client library) checks versions, nonces, subscriptions and the
 * ACK/NACK flow of a real control plane fed by a Kubernetes-compatible API.
 */
import * as grpc from '@grpc/grpc-js';
import { waitFor } from '@lab/local-cluster';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { XdsServer } from './create-server.js';
import { KubeFixture } from './testing/kube-fixture.js';
import {
  type AdsClient,
  adsClientConstructor,
  CLUSTER_TYPE,
  type DiscoveryRequest,
  type DiscoveryResponse,
  ENDPOINT_TYPE,
  LISTENER_TYPE,
  ROUTE_TYPE,
} from './xds-protos.js';

const API_HOST = '127.0.30.1';
const XDS_HOST = '127.0.30.2';
const NODE = {
  id: 'wire-test-1',
  cluster: 'wire-tests',
  user_agent_name: 'ads-wire-test',
  user_agent_version: '0.1',
};

let kube: KubeFixture;
let server: XdsServer | undefined;
let target: string;
let httpUrl: string;
const clients: AdsClient[] = [];

beforeEach(async () => {
  kube = new KubeFixture(API_HOST);
  await kube.start();
});

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  server?.forceClose();
  server = undefined;
  await kube.stop();
});

async function startServer(options: Parameters<KubeFixture['controlPlane']>[1] = {}) {
  server = kube.controlPlane(XDS_HOST, options);
  const ports = await server.start();
  target = `${XDS_HOST}:${ports.grpcPort}`;
  httpUrl = `http://${XDS_HOST}:${ports.httpPort}`;
  const started = server;
  await waitFor(() => started.configDump().services.every((s) => s.listed), 'the first lists');
  started.flush();
  return server;
}

/** One ADS stream; responses collected in order. */
function openStream() {
  const Client = adsClientConstructor();
  const client = new Client(target, grpc.credentials.createInsecure());
  clients.push(client);
  const call = client.StreamAggregatedResources();
  const responses: DiscoveryResponse[] = [];
  let ended: grpc.StatusObject | undefined;
  call.on('data', (r: DiscoveryResponse) => responses.push(r));
  call.on('status', (s: grpc.StatusObject) => {
    ended = s;
  });
  call.on('error', () => {});
  let first = true;
  const send = (request: DiscoveryRequest) => {
    call.write(first ? { ...request, node: NODE } : request);
    first = false;
  };
  return {
    responses,
    send,
    ended: () => ended,
    /** The next response of `type` after the first `after` ones of that type. */
    async next(type: string, after: number, timeoutMs = 5000): Promise<DiscoveryResponse> {
      const ofType = () => responses.filter((r) => r.type_url === type);
      await waitFor(() => ofType().length > after, `${type} response #${after + 1}`, timeoutMs);
      return ofType()[after]!;
    },
    count: (type: string) => responses.filter((r) => r.type_url === type).length,
    ack(response: DiscoveryResponse, names: string[]) {
      send({
        type_url: response.type_url,
        version_info: response.version_info,
        response_nonce: response.nonce,
        resource_names: names,
      });
    },
  };
}

const names = (r: DiscoveryResponse) => r.resources.map((x) => x.name as string);

type Lb = { endpoint: { address: { socket_address: { address: string } } }; health_status: string };
type Locality = {
  locality: { zone: string; sub_zone: string };
  lb_endpoints: Lb[];
  load_balancing_weight: { value: number };
};

function endpointsOf(r: DiscoveryResponse) {
  const assignment = r.resources[0] as unknown as { endpoints?: Locality[] };
  return (assignment.endpoints ?? []).map((l) => ({
    zone: l.locality.zone,
    node: l.locality.sub_zone,
    weight: l.load_balancing_weight.value,
    endpoints: l.lb_endpoints.map(
      (e) => `${e.endpoint.address.socket_address.address} ${e.health_status}`,
    ),
  }));
}

async function dump() {
  return (await fetch(`${httpUrl}/debug/config_dump`)).json() as Promise<{
    versions: Record<string, string>;
    clients: {
      nodeId: string;
      userAgent: string;
      types: Record<string, { ackedVersion?: string; nack?: { version: string; message: string } }>;
    }[];
  }>;
}

async function metricsText(): Promise<string> {
  return (await fetch(`${httpUrl}/metrics`)).text();
}

describe('ADS, state of the world, on the wire', () => {
  it('serves LDS → RDS → CDS → EDS with per-type versions and nonces', async () => {
    kube.setPods('addr-server', [
      { name: 'a', ip: '10.1.0.1', port: 50051, node: 'node-1', zone: 'zone-a' },
      { name: 'b', ip: '10.1.0.2', port: 50051, node: 'node-2', zone: 'zone-a' },
      { name: 'c', ip: '10.1.0.3', port: 50051, node: 'node-2', zone: 'zone-a', ready: false },
    ]);
    await startServer();
    const stream = openStream();
    stream.send({ type_url: LISTENER_TYPE, resource_names: ['addr-server.grpc-lb'] });
    const lds = await stream.next(LISTENER_TYPE, 0);
    expect(names(lds)).toEqual(['addr-server.grpc-lb']);
    expect(lds.resources[0]!['@type']).toBe(LISTENER_TYPE);
    const hcm = (
      lds.resources[0] as unknown as { api_listener: { api_listener: Record<string, unknown> } }
    ).api_listener.api_listener;
    expect(hcm).toMatchObject({
      rds: { route_config_name: 'addr-server.grpc-lb:grpc', config_source: { ads: {} } },
      http_filters: [{ name: 'envoy.filters.http.router' }],
    });
    expect(lds.nonce).not.toBe('');
    stream.ack(lds, ['addr-server.grpc-lb']);

    stream.send({ type_url: ROUTE_TYPE, resource_names: ['addr-server.grpc-lb:grpc'] });
    const rds = await stream.next(ROUTE_TYPE, 0);
    expect(rds.resources[0]).toMatchObject({
      name: 'addr-server.grpc-lb:grpc',
      virtual_hosts: [
        { domains: ['*'], routes: [{ route: { cluster: 'addr-server.grpc-lb:grpc' } }] },
      ],
    });
    stream.ack(rds, ['addr-server.grpc-lb:grpc']);

    stream.send({ type_url: CLUSTER_TYPE, resource_names: ['addr-server.grpc-lb:grpc'] });
    const cds = await stream.next(CLUSTER_TYPE, 0);
    expect(cds.resources[0]).toMatchObject({
      name: 'addr-server.grpc-lb:grpc',
      type: 'EDS',
      lb_policy: 'ROUND_ROBIN',
      eds_cluster_config: { service_name: 'addr-server.grpc-lb:grpc' },
    });
    stream.ack(cds, ['addr-server.grpc-lb:grpc']);

    stream.send({ type_url: ENDPOINT_TYPE, resource_names: ['addr-server.grpc-lb:grpc'] });
    const eds = await stream.next(ENDPOINT_TYPE, 0);
    expect(endpointsOf(eds)).toEqual([
      { zone: 'zone-a', node: 'node-1', weight: 1, endpoints: ['10.1.0.1 HEALTHY'] },
      {
        zone: 'zone-a',
        node: 'node-2',
        weight: 1,
        endpoints: ['10.1.0.2 HEALTHY', '10.1.0.3 UNHEALTHY'],
      },
    ]);
    stream.ack(eds, ['addr-server.grpc-lb:grpc']);

    // Every nonce is new; the ACKs are recorded per type.
    const nonces = stream.responses.map((r) => r.nonce);
    expect(new Set(nonces).size).toBe(nonces.length);
    await waitFor(() => stream.responses.length === 4, 'four responses');
    const d = await dump();
    const client = d.clients.find((c) => c.nodeId === NODE.id)!;
    expect(client.userAgent).toBe('ads-wire-test/0.1');
    expect(client.types.EDS?.ackedVersion).toBe(eds.version_info);
    expect(client.types.LDS?.ackedVersion).toBe(lds.version_info);
    // An ACK of the current state sends nothing more.
    await new Promise((r) => setTimeout(r, 200));
    expect(stream.responses).toHaveLength(4);
  });

  it('pushes endpoint changes debounced, with a new EDS version and nonce each time', async () => {
    kube.setPods('addr-server', [{ name: 'a', ip: '10.1.0.1', port: 50051 }]);
    await startServer({ debounceMs: 150 });
    const stream = openStream();
    const edsName = ['addr-server.grpc-lb:grpc'];
    stream.send({ type_url: ENDPOINT_TYPE, resource_names: edsName });
    const first = await stream.next(ENDPOINT_TYPE, 0);
    stream.ack(first, edsName);
    // A burst: three writes well inside the debounce window make one push.
    kube.setPods('addr-server', [
      { name: 'a', ip: '10.1.0.1', port: 50051 },
      { name: 'b', ip: '10.1.0.2', port: 50051, ready: false },
    ]);
    kube.setPods('addr-server', [
      { name: 'a', ip: '10.1.0.1', port: 50051 },
      { name: 'b', ip: '10.1.0.2', port: 50051 },
    ]);
    kube.setPods('addr-server', [
      { name: 'a', ip: '10.1.0.1', port: 50051, terminating: true, ready: false, serving: true },
      { name: 'b', ip: '10.1.0.2', port: 50051 },
    ]);
    const second = await stream.next(ENDPOINT_TYPE, 1);
    expect(Number(second.version_info)).toBeGreaterThan(Number(first.version_info));
    expect(second.nonce).not.toBe(first.nonce);
    expect(endpointsOf(second)[0]?.endpoints).toEqual(['10.1.0.1 DRAINING', '10.1.0.2 HEALTHY']);
    stream.ack(second, edsName);
    await new Promise((r) => setTimeout(r, 400));
    expect(stream.count(ENDPOINT_TYPE)).toBe(2);
    expect(await metricsText()).toMatch(/xds_server_push_latency_seconds_count\{type="EDS"\} 2/);
  });

  it('answers a wildcard LDS/CDS with the Envoy listener and every cluster', async () => {
    kube.setPods('addr-server', [{ name: 'a', ip: '10.1.0.1', port: 50051 }]);
    await startServer({ services: ['addr-server.grpc-lb:grpc', 'other:grpc'] });
    const stream = openStream();
    stream.send({ type_url: LISTENER_TYPE, resource_names: [] });
    stream.send({ type_url: CLUSTER_TYPE, resource_names: [] });
    const lds = await stream.next(LISTENER_TYPE, 0);
    expect(names(lds)).toEqual(['0.0.0.0_10000', '0.0.0.0_10001']);
    expect(lds.resources[0]).toMatchObject({
      address: { socket_address: { address: '0.0.0.0', port_value: 10000 } },
    });
    const cds = await stream.next(CLUSTER_TYPE, 0);
    expect(names(cds).sort()).toEqual(['addr-server.grpc-lb:grpc', 'other.grpc-lb:grpc']);
    expect(cds.resources[0]).toMatchObject({
      typed_extension_protocol_options: {
        'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
          explicit_http_config: { http2_protocol_options: {} },
        },
      },
    });
  });

  it('sends only what was asked, answers an unknown name with nothing, and follows renames', async () => {
    kube.setPods('addr-server', [{ name: 'a', ip: '10.1.0.1', port: 50051 }]);
    await startServer();
    const stream = openStream();
    stream.send({ type_url: LISTENER_TYPE, resource_names: ['nope.grpc-lb'] });
    const empty = await stream.next(LISTENER_TYPE, 0);
    expect(empty.resources).toEqual([]);
    // The FQDN with the pod's port number is another name for the same Service.
    const fqdn = 'addr-server.grpc-lb.svc.cluster.local:50051';
    stream.ack(empty, ['nope.grpc-lb', fqdn]);
    const both = await stream.next(LISTENER_TYPE, 1);
    expect(names(both)).toEqual([fqdn]);
    expect(both.version_info).toBe(empty.version_info);
    expect(both.nonce).not.toBe(empty.nonce);
  });

  it('ignores a request with a stale nonce', async () => {
    kube.setPods('addr-server', [{ name: 'a', ip: '10.1.0.1', port: 50051 }]);
    await startServer();
    const stream = openStream();
    stream.send({ type_url: LISTENER_TYPE, resource_names: ['addr-server.grpc-lb'] });
    const first = await stream.next(LISTENER_TYPE, 0);
    stream.ack(first, ['addr-server.grpc-lb', 'addr-server.grpc-lb:grpc']);
    const second = await stream.next(LISTENER_TYPE, 1);
    // Answers the first response again, with other names: stale, ignored.
    stream.send({
      type_url: LISTENER_TYPE,
      version_info: first.version_info,
      response_nonce: first.nonce,
      resource_names: ['addr-server.grpc-lb.svc.cluster.local'],
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(stream.count(LISTENER_TYPE)).toBe(2);
    expect(names(second)).toEqual(['addr-server.grpc-lb', 'addr-server.grpc-lb:grpc']);
    expect(await metricsText()).toMatch(/xds_server_stale_requests_total\{type="LDS"\} 1/);
  });

  it('records a NACK with its error, keeps the ACKed version, and pushes again on the next change', async () => {
    kube.setPods('addr-server', [{ name: 'a', ip: '10.1.0.1', port: 50051 }]);
    await startServer({ debounceMs: 0 });
    const stream = openStream();
    const cds = ['addr-server.grpc-lb:grpc'];
    stream.send({ type_url: CLUSTER_TYPE, resource_names: cds });
    const good = await stream.next(CLUSTER_TYPE, 0);
    stream.ack(good, cds);
    // Only once the ACK is in: a response sent before it would make it stale.
    await waitFor(
      () => server!.configDump().clients[0]?.types.CDS?.ackedVersion === good.version_info,
      'the ACK',
    );
    server!.setLbPolicy('LEAST_REQUEST');
    const bad = await stream.next(CLUSTER_TYPE, 1);
    expect(bad.resources[0]).toMatchObject({ lb_policy: 'LEAST_REQUEST' });
    stream.send({
      type_url: CLUSTER_TYPE,
      version_info: good.version_info,
      response_nonce: bad.nonce,
      resource_names: cds,
      error_detail: { code: 3, message: 'unsupported lb_policy: LEAST_REQUEST' },
    });
    await waitFor(() => server!.configDump().clients[0]?.types.CDS?.nack !== undefined, 'NACK');
    const d = await dump();
    expect(d.clients[0]!.types.CDS).toMatchObject({
      ackedVersion: good.version_info,
      nack: { version: bad.version_info, message: 'unsupported lb_policy: LEAST_REQUEST' },
    });
    expect(await metricsText()).toMatch(
      /xds_server_nacks_total\{type="CDS",node_id="wire-test-1"\} 1/,
    );
    // Nothing is resent for a NACK; the next change is.
    await new Promise((r) => setTimeout(r, 200));
    expect(stream.count(CLUSTER_TYPE)).toBe(2);
    server!.setLbPolicy('ROUND_ROBIN');
    const fixed = await stream.next(CLUSTER_TYPE, 2);
    stream.ack(fixed, cds);
    await waitFor(
      () => server!.configDump().clients[0]?.types.CDS?.ackedVersion === fixed.version_info,
      'the ACK of the fix',
    );
    expect(server!.configDump().clients[0]?.types.CDS?.nack).toBeUndefined();
  });

  it('refuses delta xDS with UNIMPLEMENTED, and is ready once every Service is listed', async () => {
    await startServer();
    await waitFor(() => server!.configDump().services[0]!.listed, 'the first list');
    expect((await fetch(`${httpUrl}/readyz`)).status).toBe(200);
    const definition = (await import('./xds-protos.js')).loadXdsPackageDefinition();
    const service = definition[
      'envoy.service.discovery.v3.AggregatedDiscoveryService'
    ] as grpc.ServiceDefinition;
    const Client = grpc.makeGenericClientConstructor(service, 'Ads');
    const client = new Client(
      target,
      grpc.credentials.createInsecure(),
    ) as unknown as grpc.Client & {
      DeltaAggregatedResources(): grpc.ClientDuplexStream<unknown, unknown>;
    };
    const call = client.DeltaAggregatedResources();
    const status = await new Promise<grpc.StatusObject>((resolve) => {
      call.on('status', resolve);
      call.on('error', () => {});
    });
    client.close();
    expect(status.code).toBe(grpc.status.UNIMPLEMENTED);
  });
});
