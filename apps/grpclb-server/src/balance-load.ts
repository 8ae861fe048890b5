import { type ServerDuplexStream, status } from '@grpc/grpc-js';
import type { LbServer, LoadBalanceRequest__Output, LoadBalanceResponse } from '@lab/proto';
import { mergeSlices } from '@lab/resolver-kubernetes';
import ipaddr from 'ipaddr.js';
import type { ClientStatsBook, ClientTotals } from './client-stats.js';
import type { BalancerMetrics } from './metrics.js';
import { backendsOf, buildServerList, type DropShare } from './server-list.js';
import { parseServiceName, type RequestedService, ServiceNameError } from './service-name.js';
import type { ServiceWatches, WatchState } from './service-watches.js';

export type BalanceLoadCall = ServerDuplexStream<LoadBalanceRequest__Output, LoadBalanceResponse>;

export interface BalanceLoadDeps {
  defaultNamespace: string;
  /** 0: the initial response asks for no reports. */
  statsIntervalMs: number;
  watches: ServiceWatches;
  dropFor(key: string): DropShare | undefined;
  metrics: BalancerMetrics;
  clients: ClientStatsBook;
  log(text: string): void;
  /** Registers a stream so that a drain can end it; returns the unregister function. */
  track(end: () => void): () => void;
}

/**
 * One BalanceLoad stream: the first message must be an initial request
 * naming a Service; the answer is an initial response, then the full server
 * list whenever it changes (never twice the same), or a fallback response
 * while the Service has no EndpointSlices at all. ClientStats messages are
 * summed per client. A malformed start ends only this stream, with
 * INVALID_ARGUMENT and a line that says what was wrong.
 */
export function handleBalanceLoad(call: BalanceLoadCall, deps: BalanceLoadDeps): void {
  const client = call.getPeer();
  let requested: RequestedService | undefined;
  let totals: ClientTotals | undefined;
  let unsubscribe: (() => void) | undefined;
  let lastSent: string | undefined;
  let closed = false;

  const untrack = deps.track(() =>
    finish({ code: status.UNAVAILABLE, details: 'grpclb-server is shutting down' }),
  );

  const cleanup = () => {
    if (closed) return;
    closed = true;
    untrack();
    unsubscribe?.();
    if (requested) deps.metrics.streamsActive.dec({ service: requested.label });
    if (totals) deps.clients.end(totals);
  };

  const finish = (error?: { code: status; details: string }) => {
    if (closed) return;
    cleanup();
    if (error) call.emit('error', error);
    else call.end();
  };

  const refuse = (reason: string, details: string) => {
    deps.metrics.streamsRefused.inc({ reason });
    deps.log(`refused a stream from ${client}: ${details}`);
    finish({ code: status.INVALID_ARGUMENT, details });
  };

  const send = (message: LoadBalanceResponse) => {
    if (!closed) call.write(message);
  };

  const onWatch = (state: WatchState) => {
    if (!requested || closed || state.slices === undefined) return;
    const service = requested.label;
    if (state.slices.length === 0) {
      if (lastSent === 'fallback') return;
      lastSent = 'fallback';
      deps.metrics.fallbacksSent.inc({ service });
      deps.log(
        `${client} ${service}: the Service has no EndpointSlices (missing, or no selector): fallback_response sent`,
      );
      send({ fallbackResponse: {} });
      return;
    }
    const merged = mergeSlices(state.slices, requested.port, service);
    const servers = buildServerList(backendsOf(merged), deps.dropFor(requested.key));
    const text = describeList(servers);
    if (text === lastSent) return;
    lastSent = text;
    const drops = servers.filter((s) => s.drop).length;
    deps.metrics.serverListsSent.inc({ service });
    deps.metrics.serverListEntries.set({ service, kind: 'backend' }, servers.length - drops);
    deps.metrics.serverListEntries.set({ service, kind: 'drop' }, drops);
    const shown = text.length > 400 ? `${text.slice(0, 400)}…` : text;
    deps.log(
      `${client} ${service}: server list of ${servers.length} (${merged.summary}): ${shown}`,
    );
    send({ serverList: { servers } });
  };

  const onFirst = (message: LoadBalanceRequest__Output) => {
    const initial = message.initialRequest;
    if (message.loadBalanceRequestType !== 'initialRequest' || !initial) {
      const got =
        message.loadBalanceRequestType === 'clientStats' ? 'client_stats' : 'an empty message';
      refuse(
        'not-initial',
        `the first message of a BalanceLoad stream must be an initial_request naming a service; got ${got}`,
      );
      return;
    }
    try {
      requested = parseServiceName(initial.name, deps.defaultNamespace);
    } catch (error) {
      if (!(error instanceof ServiceNameError)) throw error;
      refuse('bad-name', error.message);
      return;
    }
    const service = requested.label;
    totals = deps.clients.connect(client, service);
    deps.metrics.streams.inc({ service });
    deps.metrics.streamsActive.inc({ service });
    deps.log(`${client} asks for '${initial.name}': ${service}`);
    const ms = deps.statsIntervalMs;
    send({
      initialResponse: {
        clientStatsReportInterval:
          ms > 0 ? { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 } : null,
      },
    });
    unsubscribe = deps.watches.subscribe(requested.service, requested.namespace, onWatch);
  };

  call.on('data', (message: LoadBalanceRequest__Output) => {
    if (closed) return;
    if (!requested) {
      onFirst(message);
      return;
    }
    if (message.loadBalanceRequestType === 'clientStats' && message.clientStats && totals) {
      deps.clients.record(totals, message.clientStats);
    }
    // A second initial request changes nothing: a stream serves one name.
  });
  // The client half-closed: nothing more will come, so the stream is done.
  call.on('end', () => finish());
  call.on('cancelled', cleanup);
  call.on('error', cleanup);
  call.on('close', cleanup);
}

/** `ip:port/token` per entry, `drop/token` for drops: the identity of a list, and its log line. */
export function describeList(servers: readonly LbServer[]): string {
  if (servers.length === 0) return '(empty)';
  return servers
    .map((s) => {
      if (s.drop) return `drop/${s.loadBalanceToken}`;
      const ip = ipaddr.fromByteArray([...(s.ipAddress as Uint8Array)]);
      const host = ip.kind() === 'ipv6' ? `[${ip.toString()}]` : ip.toString();
      return `${host}:${s.port}/${s.loadBalanceToken}`;
    })
    .join(' ');
}
