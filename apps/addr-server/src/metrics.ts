import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';

export interface ServerMetrics {
  registry: Registry;
  calls: Counter<'protocol' | 'method'>;
  inFlight: Gauge<'protocol'>;
  ready: Gauge;
}

/** One registry per server instance, so tests can run several in one process. */
export function createMetrics(): ServerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    calls: new Counter({
      name: 'addr_server_calls_total',
      help: 'Calls answered, by protocol and method (WatchAddr counts messages sent).',
      labelNames: ['protocol', 'method'],
      registers: [registry],
    }),
    inFlight: new Gauge({
      name: 'addr_server_in_flight_calls',
      help: 'Calls and streams being served right now.',
      labelNames: ['protocol'],
      registers: [registry],
    }),
    ready: new Gauge({
      name: 'addr_server_ready',
      help: '1 while the server takes new calls, 0 once it drains.',
      registers: [registry],
    }),
  };
}
