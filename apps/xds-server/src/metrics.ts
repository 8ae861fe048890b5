import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export interface XdsMetrics {
  registry: Registry;
  clientsConnected: Gauge;
  clientInfo: Gauge<'node_id' | 'cluster' | 'user_agent'>;
  streams: Counter;
  pushes: Counter<'type'>;
  acks: Counter<'type'>;
  nacks: Counter<'type' | 'node_id'>;
  staleRequests: Counter<'type'>;
  pushLatency: Histogram<'type'>;
  resources: Gauge<'type'>;
  endpoints: Gauge<'cluster' | 'health'>;
  kubeFailures: Counter<'service'>;
  ready: Gauge;
}

/** One registry per server instance, so tests can run several in one process. */
export function createMetrics(): XdsMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    clientsConnected: new Gauge({
      name: 'xds_server_clients_connected',
      help: 'ADS streams open now.',
      registers,
    }),
    clientInfo: new Gauge({
      name: 'xds_server_client_info',
      help: 'ADS streams open now, by the node id, cluster and user agent the client sent.',
      labelNames: ['node_id', 'cluster', 'user_agent'],
      registers,
    }),
    streams: new Counter({
      name: 'xds_server_streams_total',
      help: 'ADS streams accepted since start.',
      registers,
    }),
    pushes: new Counter({
      name: 'xds_server_pushes_total',
      help: 'DiscoveryResponses sent, by type (LDS, RDS, CDS, EDS); every client counts.',
      labelNames: ['type'],
      registers,
    }),
    acks: new Counter({
      name: 'xds_server_acks_total',
      help: 'Responses a client accepted (a request echoing the nonce, no error_detail), by type.',
      labelNames: ['type'],
      registers,
    }),
    nacks: new Counter({
      name: 'xds_server_nacks_total',
      help: 'Responses a client rejected (error_detail set), by type and node id.',
      labelNames: ['type', 'node_id'],
      registers,
    }),
    staleRequests: new Counter({
      name: 'xds_server_stale_requests_total',
      help: 'Requests ignored because their nonce was not the last one sent for the type.',
      labelNames: ['type'],
      registers,
    }),
    pushLatency: new Histogram({
      name: 'xds_server_push_latency_seconds',
      help:
        'From the change (first Kubernetes event of a debounced burst, or the request that ' +
        'asked) to the ACK of the response that carried it, by type.',
      labelNames: ['type'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    resources: new Gauge({
      name: 'xds_server_resources',
      help: 'Resources held, by type.',
      labelNames: ['type'],
      registers,
    }),
    endpoints: new Gauge({
      name: 'xds_server_endpoints',
      help: 'Endpoints in the last ClusterLoadAssignment, by cluster and health status.',
      labelNames: ['cluster', 'health'],
      registers,
    }),
    kubeFailures: new Counter({
      name: 'xds_server_kubernetes_failures_total',
      help: 'Failed lists or watches of EndpointSlices, by Service (the last resources are kept).',
      labelNames: ['service'],
      registers,
    }),
    ready: new Gauge({
      name: 'xds_server_ready',
      help: '1 while the control plane takes new streams, 0 once it drains.',
      registers,
    }),
  };
}
