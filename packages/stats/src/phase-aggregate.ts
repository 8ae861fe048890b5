import { coefficientOfVariation, jainIndex } from './fairness.js';
import { mergeHistograms, summarize } from './latency-histogram.js';
import type { LatencySummary, WindowLine } from './window-schema.js';

export interface BackendStats {
  /** Successful calls this pod served during the phase. */
  calls: number;
  /** `calls / ok` of the phase; the shares of all pods sum to 1. */
  share: number;
  /** Last IP the pod reported: a StatefulSet pod keeps its name across restarts, not its IP. */
  ip: string;
  /** Last node the pod reported; absent when it never said. */
  node?: string;
  /** Start of the first window in which the pod served a call (epoch ms). */
  firstSeen: number;
}

export interface PhaseStats {
  client: string;
  /** Null only for an empty phase, where no line says which protocol it was. */
  protocol: WindowLine['protocol'] | null;
  windows: number;
  /** Earliest window start and latest window end (epoch ms); 0 for an empty phase. */
  start: number;
  end: number;
  /** `end - start`: gaps between windows count, as no calls were made in them. */
  durationMs: number;
  ok: number;
  failed: number;
  errors: Record<string, number>;
  skipped: number;
  /** Pods that served at least one call. */
  backends: Record<string, BackendStats>;
  /** The node the client runs on, as its latest window said; null when no window said. */
  node: string | null;
  /** Successful calls per proxy identity, for calls whose response named one (`x-lab-proxy`). */
  proxies: Record<string, number>;
  /** Successful calls whose response named a proxy: the sum of `proxies`. */
  proxiedCalls: number;
  /**
   * Successful calls whose proxy identity equals the node the client ran on
   * in the same window: the calls that stayed on the node-local proxy.
   */
  localProxyCalls: number;
  backendsReached: number;
  /** Largest share of one pod; 0 without successful calls. */
  maxShare: number;
  /** Over the counted pods (see `AggregateOptions.pods`); null without successful calls. */
  jainIndex: number | null;
  coefficientOfVariation: number | null;
  /** From the merged histograms of every window: percentiles cannot be averaged. */
  latencyMs: LatencySummary | null;
  /** Successful calls per second over `durationMs` (as `renderWindow` reports a window). */
  callsPerSecond: number;
}

export interface AggregateOptions {
  /**
   * The pods expected to share the load, idle ones included. Fairness is
   * computed over these plus any other pod that served calls: an idle
   * expected pod must drag the index down (1 of 5 reached gives 0.2), and a
   * pod outside the list that took calls is real load that must not vanish
   * from the index. Without it, fairness is over the pods reached.
   */
  pods?: readonly string[];
}

/** Aggregates one client's windows over a phase; windows may be in any order. */
export function aggregatePhase(
  windows: readonly WindowLine[],
  options: AggregateOptions = {},
): PhaseStats {
  const clients = new Set(windows.map((line) => line.client));
  if (clients.size > 1) {
    // Summing clients would hide a pinned client behind a balanced one.
    throw new Error(
      `aggregatePhase takes one client's windows, got ${[...clients].join(', ')}; use groupByClient`,
    );
  }
  const sorted = [...windows].sort((a, b) => a.start - b.start || a.end - b.end);
  const errors = new Map<string, number>();
  const calls = new Map<string, number>();
  const ips = new Map<string, string>();
  const firstSeen = new Map<string, number>();
  const nodes = new Map<string, string>();
  const proxies = new Map<string, number>();
  let node: string | null = null;
  let localProxyCalls = 0;
  let ok = 0;
  let failed = 0;
  let skipped = 0;
  let start = sorted[0]?.start ?? 0;
  let end = sorted[0]?.end ?? 0;
  for (const line of sorted) {
    start = Math.min(start, line.start);
    end = Math.max(end, line.end);
    ok += line.ok;
    failed += line.failed;
    skipped += line.skipped;
    for (const [code, n] of Object.entries(line.errors))
      errors.set(code, (errors.get(code) ?? 0) + n);
    for (const [pod, n] of Object.entries(line.backends)) {
      if (n === 0) continue;
      calls.set(pod, (calls.get(pod) ?? 0) + n);
      if (!firstSeen.has(pod)) firstSeen.set(pod, line.start);
      const ip = line.backendIps[pod];
      if (ip !== undefined) ips.set(pod, ip);
      const podNode = line.backendNodes?.[pod];
      if (podNode) nodes.set(pod, podNode);
    }
    if (line.node !== undefined) node = line.node;
    for (const [proxy, n] of Object.entries(line.proxies ?? {})) {
      proxies.set(proxy, (proxies.get(proxy) ?? 0) + n);
      // Per window, against that window's node: a phase's calls are judged where they were made.
      if (line.node !== undefined && proxy === line.node) localProxyCalls += n;
    }
  }

  // Equals `ok` for schema-valid lines; dividing by what the pods actually
  // served keeps shares summing to 1 even for an unvalidated line.
  const served = [...calls.values()].reduce((total, n) => total + n, 0);
  const backends: Record<string, BackendStats> = {};
  let maxShare = 0;
  for (const [pod, n] of calls) {
    const share = n / served;
    maxShare = Math.max(maxShare, share);
    backends[pod] = {
      calls: n,
      share,
      ip: ips.get(pod) ?? '',
      ...(nodes.has(pod) ? { node: nodes.get(pod)! } : {}),
      firstSeen: firstSeen.get(pod)!,
    };
  }
  const counted = new Set([...(options.pods ?? []), ...calls.keys()]);
  const values = [...counted].map((pod) => calls.get(pod) ?? 0);

  const durationMs = end - start;
  const merged = mergeHistograms(sorted.map((line) => line.histogram));
  const latencyMs = summarize(merged);
  merged.destroy();

  return {
    client: sorted[0]?.client ?? '',
    protocol: sorted[0]?.protocol ?? null,
    windows: sorted.length,
    start,
    end,
    durationMs,
    ok,
    failed,
    errors: Object.fromEntries(errors),
    skipped,
    backends,
    backendsReached: calls.size,
    node,
    proxies: Object.fromEntries(proxies),
    proxiedCalls: [...proxies.values()].reduce((total, n) => total + n, 0),
    localProxyCalls,
    maxShare,
    jainIndex: jainIndex(values),
    coefficientOfVariation: coefficientOfVariation(values),
    latencyMs,
    callsPerSecond: durationMs > 0 ? (ok * 1000) / durationMs : 0,
  };
}

/** Splits a run's lines per client, keeping each client's lines in input order. */
export function groupByClient(windows: Iterable<WindowLine>): Map<string, WindowLine[]> {
  const groups = new Map<string, WindowLine[]>();
  for (const line of windows) {
    const group = groups.get(line.client);
    if (group) group.push(line);
    else groups.set(line.client, [line]);
  }
  return groups;
}
