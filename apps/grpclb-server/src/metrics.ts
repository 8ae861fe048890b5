import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';

export interface BalancerMetrics {
  registry: Registry;
  streamsActive: Gauge<'service'>;
  streams: Counter<'service'>;
  streamsRefused: Counter<'reason'>;
  serverListsSent: Counter<'service'>;
  fallbacksSent: Counter<'service'>;
  serverListEntries: Gauge<'service' | 'kind'>;
  watches: Gauge;
  kubeFailures: Counter<'service'>;
  ready: Gauge;
  reports: Counter<'service' | 'client'>;
  callsStarted: Counter<'service' | 'client'>;
  callsFinished: Counter<'service' | 'client'>;
  callsFailedToSend: Counter<'service' | 'client'>;
  callsKnownReceived: Counter<'service' | 'client'>;
  callsDropped: Counter<'service' | 'client' | 'token'>;
}

/** One registry per balancer instance, so tests can run several in one process. */
export function createMetrics(watchCount: () => number = () => 0): BalancerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const perClient = ['service', 'client'] as const;
  return {
    registry,
    streamsActive: new Gauge({
      name: 'grpclb_server_streams_active',
      help: 'BalanceLoad streams open now, by requested Service (namespace/name:port).',
      labelNames: ['service'],
      registers,
    }),
    streams: new Counter({
      name: 'grpclb_server_streams_total',
      help: 'BalanceLoad streams accepted (a valid initial request), by requested Service.',
      labelNames: ['service'],
      registers,
    }),
    streamsRefused: new Counter({
      name: 'grpclb_server_streams_refused_total',
      help: 'BalanceLoad streams ended with an error status before being served, by reason.',
      labelNames: ['reason'],
      registers,
    }),
    serverListsSent: new Counter({
      name: 'grpclb_server_server_lists_sent_total',
      help: 'server_list messages pushed, by requested Service (every stream counts).',
      labelNames: ['service'],
      registers,
    }),
    fallbacksSent: new Counter({
      name: 'grpclb_server_fallback_responses_sent_total',
      help: 'fallback_response messages sent because the Service has no EndpointSlices.',
      labelNames: ['service'],
      registers,
    }),
    serverListEntries: new Gauge({
      name: 'grpclb_server_server_list_entries',
      help: 'Entries of the last server list computed, by requested Service and kind (backend, drop).',
      labelNames: ['service', 'kind'],
      registers,
    }),
    watches: new Gauge({
      name: 'grpclb_server_kubernetes_watches',
      help: 'EndpointSlice watches running (one per Kubernetes Service, shared by streams).',
      registers,
      collect() {
        this.set(watchCount());
      },
    }),
    kubeFailures: new Counter({
      name: 'grpclb_server_kubernetes_failures_total',
      help: 'Failed lists or watches of EndpointSlices, by Service (the last list is kept).',
      labelNames: ['service'],
      registers,
    }),
    ready: new Gauge({
      name: 'grpclb_server_ready',
      help: '1 while the balancer takes new streams, 0 once it drains.',
      registers,
    }),
    reports: new Counter({
      name: 'grpclb_client_stats_reports_total',
      help: 'ClientStats messages received, by Service and client (its address).',
      labelNames: perClient,
      registers,
    }),
    callsStarted: new Counter({
      name: 'grpclb_client_calls_started_total',
      help: 'Calls the client reports started (ClientStats.num_calls_started).',
      labelNames: perClient,
      registers,
    }),
    callsFinished: new Counter({
      name: 'grpclb_client_calls_finished_total',
      help: 'Calls the client reports finished (num_calls_finished).',
      labelNames: perClient,
      registers,
    }),
    callsFailedToSend: new Counter({
      name: 'grpclb_client_calls_failed_to_send_total',
      help: 'Calls that never left the client (num_calls_finished_with_client_failed_to_send).',
      labelNames: perClient,
      registers,
    }),
    callsKnownReceived: new Counter({
      name: 'grpclb_client_calls_known_received_total',
      help: 'Calls a server is known to have received (num_calls_finished_known_received).',
      labelNames: perClient,
      registers,
    }),
    callsDropped: new Counter({
      name: 'grpclb_client_calls_dropped_total',
      help: 'Calls the client dropped on a drop entry, by drop token (calls_finished_with_drop).',
      labelNames: ['service', 'client', 'token'],
      registers,
    }),
  };
}
