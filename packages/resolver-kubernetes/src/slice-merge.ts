import type { KubernetesPort } from './resolver-target.js';

/**
 * The parts of a `discovery.k8s.io/v1` EndpointSlice the resolver reads.
 * Fields are optional and nullable because the API sends `null` for empty
 * lists (a Service scaled to zero has a slice with `endpoints: null`).
 */
export interface EndpointSlice {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string } | null;
  addressType?: string | null;
  endpoints?: SliceEndpoint[] | null;
  ports?: SlicePort[] | null;
}

export interface SliceEndpoint {
  addresses?: string[] | null;
  conditions?: EndpointConditions | null;
  targetRef?: { name?: string } | null;
}

export interface EndpointConditions {
  ready?: boolean | null;
  serving?: boolean | null;
  terminating?: boolean | null;
}

export interface SlicePort {
  name?: string | null;
  port?: number | null;
}

export type EndpointState = 'ready' | 'serving-terminating' | 'not-serving';

/**
 * The condition rule, from the EndpointSlice API's field documentation:
 * a nil `ready` means ready, a nil `terminating` means not terminating, and
 * a nil `serving` defers to `ready`.
 *
 * - `ready`: ready and not terminating. These are the endpoints to use.
 * - `serving-terminating`: terminating but still serving (its readiness
 *   probe passes during the grace period). Used only when no endpoint is
 *   `ready`, the fallback kube-proxy makes (KEP-1669).
 * - `not-serving`: never used (readiness failing, or terminating and not serving).
 */
export function endpointState(conditions: EndpointConditions | null | undefined): EndpointState {
  const ready = conditions?.ready ?? true;
  const serving = conditions?.serving ?? ready;
  const terminating = conditions?.terminating ?? false;
  if (ready && !terminating) return 'ready';
  if (terminating && serving) return 'serving-terminating';
  return 'not-serving';
}

export interface ResolvedEndpoint {
  /** Usually one address: the API allows several for one endpoint, all of one backend. */
  addresses: { host: string; port: number }[];
  /** The pod behind it, when the slice names one. */
  pod: string | undefined;
}

export interface MergedEndpoints {
  endpoints: ResolvedEndpoint[];
  slices: number;
  /** Distinct endpoints by state, over all slices (before the port is applied). */
  counts: Record<EndpointState, number>;
  /** True when no endpoint was ready and serving, terminating ones are used instead. */
  usedTerminating: boolean;
  /** Why `endpoints` is empty; unset when it is not. */
  problem: string | undefined;
  /** One line for traces and the channel's resolution note. */
  summary: string;
}

/**
 * Merges every slice of one Service. A Service with more than 100 endpoints
 * has several slices, and an endpoint may briefly sit in two of them while
 * the controller rebalances, so the result is deduplicated.
 */
export function mergeSlices(
  slices: readonly EndpointSlice[],
  port: KubernetesPort,
  service: string,
): MergedEndpoints {
  const counts: Record<EndpointState, number> = {
    ready: 0,
    'serving-terminating': 0,
    'not-serving': 0,
  };
  const byState: Record<EndpointState, Map<string, ResolvedEndpoint>> = {
    ready: new Map(),
    'serving-terminating': new Map(),
    'not-serving': new Map(),
  };
  const seen = new Map<string, EndpointState>();
  const portNames = new Set<string>();
  let slicesWithPort = 0;
  const ordered = [...slices].sort((a, b) =>
    (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''),
  );
  for (const slice of ordered) {
    // FQDN slices name hosts, not addresses; grpc-js needs addresses.
    if (slice.addressType === 'FQDN') continue;
    for (const p of slice.ports ?? []) portNames.add(p.name ? `${p.name}=${p.port}` : `${p.port}`);
    const slicePort = portFor(slice, port);
    if (slicePort !== undefined) slicesWithPort++;
    for (const endpoint of slice.endpoints ?? []) {
      const hosts = endpoint.addresses ?? [];
      if (hosts.length === 0) continue;
      const key = hosts.join(',');
      const state = endpointState(endpoint.conditions);
      const before = seen.get(key);
      // The same endpoint in two slices counts once, with its better state.
      if (before !== undefined && rank(before) <= rank(state)) continue;
      if (before !== undefined) {
        counts[before]--;
        byState[before].delete(key);
      }
      seen.set(key, state);
      counts[state]++;
      if (slicePort === undefined) continue;
      byState[state].set(key, {
        addresses: hosts.map((host) => ({ host, port: slicePort })),
        pod: endpoint.targetRef?.name ?? undefined,
      });
    }
  }
  const usedTerminating = byState.ready.size === 0 && byState['serving-terminating'].size > 0;
  const chosen = usedTerminating ? byState['serving-terminating'] : byState.ready;
  const endpoints = [...chosen.values()];
  const problem =
    endpoints.length > 0
      ? undefined
      : emptyReason(service, ordered.length, slicesWithPort, port, counts, portNames);
  const total = counts.ready + counts['serving-terminating'] + counts['not-serving'];
  const leftOut = total - endpoints.length;
  const summary =
    problem ??
    `${plural(endpoints.length, 'endpoint')} from ${plural(ordered.length, 'EndpointSlice')} of ${service}` +
      (usedTerminating ? ' (none ready: using serving terminating ones, as kube-proxy does)' : '') +
      (leftOut > 0 ? `; ${leftOut} left out (not ready, terminating or without the port)` : '');
  return { endpoints, slices: ordered.length, counts, usedTerminating, problem, summary };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function rank(state: EndpointState): number {
  return state === 'ready' ? 0 : state === 'serving-terminating' ? 1 : 2;
}

function portFor(slice: EndpointSlice, port: KubernetesPort): number | undefined {
  switch (port.kind) {
    case 'number':
      return port.number;
    case 'name':
      return slice.ports?.find((p) => (p.name ?? '') === port.name)?.port ?? undefined;
    case 'first':
      return slice.ports?.[0]?.port ?? undefined;
  }
}

function emptyReason(
  service: string,
  slices: number,
  slicesWithPort: number,
  port: KubernetesPort,
  counts: Record<EndpointState, number>,
  portNames: Set<string>,
): string {
  if (slices === 0) {
    return `service ${service} has no EndpointSlices: the Service does not exist (or has no selector); waiting for it to appear`;
  }
  const total = counts.ready + counts['serving-terminating'] + counts['not-serving'];
  if (total > 0 && slicesWithPort === 0) {
    const known = portNames.size > 0 ? [...portNames].join(', ') : 'none';
    return port.kind === 'name'
      ? `service ${service} has no port named '${port.name}' (its ports: ${known})`
      : `service ${service} lists no ports (its ports: ${known})`;
  }
  if (total === 0) return `service ${service} has no endpoints (scaled to zero?)`;
  return `service ${service} has no ready endpoints (${plural(total, 'endpoint')}, none ready or serving)`;
}
