import { aggregatePhase, type PhaseStats, type WindowLine } from '@lab/stats';
import type { PhaseRecord, PhaseResult, VerdictRow } from './engine-types.js';
import type { ClientExpect, Range } from './scenario-schema.js';

/**
 * Shares and Jain's index are sums of floating-point divisions: an even
 * spread can come out a hair off 1, and `jain: 1` must still pass.
 */
const EPSILON = 1e-9;

export function inRange(value: number, range: Range): boolean {
  if (typeof range === 'number') return Math.abs(value - range) <= EPSILON;
  return (
    (range.min === undefined || value >= range.min - EPSILON) &&
    (range.max === undefined || value <= range.max + EPSILON)
  );
}

/** `1`, `≥ 4`, `≤ 0.4`, `2–3`. */
export function formatRange(range: Range): string {
  if (typeof range === 'number') return String(range);
  const { min, max } = range;
  if (min !== undefined && max !== undefined) return min === max ? `${min}` : `${min}–${max}`;
  if (min !== undefined) return `≥ ${min}`;
  return `≤ ${max ?? 0}`;
}

/** Seconds with trailing zeros trimmed: `5s`, `2.4s`, `0.25s`. */
export function formatDuration(ms: number, decimals = 3): string {
  return `${Number((ms / 1000).toFixed(decimals))}s`;
}

/**
 * The fewest decimals (from `from` up) whose rounding does not contradict
 * the verdict: 0.899 against `≥ 0.9` reads `0.899`, never a failing `0.90`.
 */
function agreeingDecimals(value: number, pass: (n: number) => boolean, from: number, to: number) {
  const verdict = pass(value);
  for (let d = from; d < to; d += 1) {
    if (pass(Number(value.toFixed(d))) === verdict) return d;
  }
  return to;
}

function formatFraction(value: number, range: Range): string {
  return value.toFixed(agreeingDecimals(value, (n) => inRange(n, range), 2, 6));
}

type Row = Omit<VerdictRow, 'phase' | 'client'>;

function countRow(check: string, observed: number, range: Range, detail = ''): Row {
  return {
    check,
    expected: formatRange(range),
    observed: `${observed}${detail}`,
    pass: inRange(observed, range),
  };
}

function fractionRow(check: string, observed: number | null, range: Range): Row {
  const expected = formatRange(range);
  // A share or an index of no calls is undefined, not 0 or 1: it must not pass.
  if (observed === null) return { check, expected, observed: 'no calls', pass: false };
  return {
    check,
    expected,
    observed: formatFraction(observed, range),
    pass: inRange(observed, range),
  };
}

/** Failed calls by code, most frequent first: `UNAVAILABLE 2, DEADLINE_EXCEEDED 1`. */
export function formatErrors(errors: Record<string, number>): string {
  return Object.entries(errors)
    .filter(([, n]) => n > 0)
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
    .map(([code, n]) => `${code} ${n}`)
    .join(', ');
}

function byStart(a: WindowLine, b: WindowLine): number {
  return a.start - b.start || a.end - b.end;
}

export interface NewPodsReached {
  /** New pods this client never reached in the phase. */
  missing: string[];
  /** The new pod reached last, and how long after its Ready time; undefined without new pods. */
  worst: { pod: string; delay: number } | undefined;
}

/**
 * A window only says a pod was reached somewhere inside it, so its end is
 * the latest the first call can have been: the delay is an upper bound.
 */
export function newPodsReached(record: PhaseRecord, client: string): NewPodsReached {
  const windows = record.windowsSinceNewPods.filter((w) => w.client === client).sort(byStart);
  const missing: string[] = [];
  let worst: { pod: string; delay: number } | undefined;
  for (const pod of record.newPods) {
    const first = windows.find((w) => (w.backends[pod.name] ?? 0) > 0 && w.end >= pod.readyAt);
    if (first === undefined) {
      missing.push(pod.name);
      continue;
    }
    const delay = Math.max(0, first.end - pod.readyAt);
    if (worst === undefined || delay > worst.delay) worst = { pod: pod.name, delay };
  }
  return { missing, worst };
}

function newPodsRow(record: PhaseRecord, client: string, limitMs: number): Row {
  const check = 'newPodsReachedWithin';
  const expected = `≤ ${formatDuration(limitMs)}`;
  if (record.newPods.length === 0) {
    // Convergence cannot be shown without new pods; the scenario is wrong.
    return { check, expected, observed: 'no new pods', pass: false };
  }
  const { missing, worst } = newPodsReached(record, client);
  if (missing.length > 0 || worst === undefined) {
    return { check, expected, observed: `${missing.join(', ')} never reached`, pass: false };
  }
  const { pod, delay } = worst;
  const within = (seconds: number) => seconds * 1000 <= limitMs + EPSILON;
  const decimals = agreeingDecimals(delay / 1000, within, 1, 3);
  return {
    check,
    expected,
    observed: `${formatDuration(delay, decimals)} (${pod})`,
    pass: delay <= limitMs,
  };
}

/**
 * How many successful calls crossed the proxy of the client's own node. A
 * phase that cannot say is a failure, never a pass: no calls, a client that
 * does not know its node (NODE_NAME), or no response that named a proxy at
 * all (the calls went around the proxy, or it does not add `x-lab-proxy`).
 */
function localProxyRow(stats: PhaseStats, range: Range): Row {
  const check = 'viaLocalProxy';
  const expected = formatRange(range);
  const fail = (observed: string): Row => ({ check, expected, observed, pass: false });
  if (stats.ok === 0) return fail('no calls');
  if (stats.node === null) return fail('client node unknown (no NODE_NAME)');
  if (stats.proxiedCalls === 0) return fail(`no x-lab-proxy header in ${stats.ok} calls`);
  const share = stats.localProxyCalls / stats.ok;
  const elsewhere = Object.entries(stats.proxies)
    .filter(([proxy]) => proxy !== stats.node)
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
    .map(([proxy, n]) => `${proxy} ${n}`);
  const unnamed = stats.ok - stats.proxiedCalls;
  if (unnamed > 0) elsewhere.push(`no header ${unnamed}`);
  const detail = `${stats.localProxyCalls} of ${stats.ok} via ${stats.node}`;
  return {
    check,
    expected,
    observed: `${formatFraction(share, range)} (${[detail, ...elsewhere].join('; ')})`,
    pass: inRange(share, range),
  };
}

function checkClient(
  record: PhaseRecord,
  client: string,
  expect: ClientExpect,
  stats: PhaseStats,
): Row[] {
  if (stats.windows === 0) {
    // Every other check would be judged on nothing and could pass vacuously.
    return [{ check: 'windows', expected: '≥ 1 window', observed: 'no windows', pass: false }];
  }
  const rows: Row[] = [];
  if (expect.backends !== undefined) {
    rows.push(countRow('backends', stats.backendsReached, expect.backends));
  }
  if (expect.maxShare !== undefined) {
    rows.push(fractionRow('maxShare', stats.ok > 0 ? stats.maxShare : null, expect.maxShare));
  }
  if (expect.jain !== undefined) {
    rows.push(fractionRow('jain', stats.jainIndex, expect.jain));
  }
  if (expect.failed !== undefined) {
    const codes = formatErrors(stats.errors);
    rows.push(countRow('failed', stats.failed, expect.failed, codes && ` (${codes})`));
  }
  if (expect.newPodsReachedWithin !== undefined) {
    rows.push(newPodsRow(record, client, expect.newPodsReachedWithin));
  }
  if (expect.viaLocalProxy !== undefined) {
    rows.push(localProxyRow(stats, expect.viaLocalProxy));
  }
  return rows;
}

/**
 * Aggregates every client's windows over the phase and checks the phase's
 * expectations against them. `clients` are the scenario's clients, so an
 * idle client still gets its (empty) stats.
 */
export function evaluatePhase(record: PhaseRecord, clients: string[]): PhaseResult {
  const names = [...new Set([...clients, ...Object.keys(record.expect)])];
  const stats: Record<string, PhaseStats> = {};
  for (const client of names) {
    const windows = record.windows.filter((w) => w.client === client);
    // An empty phase has no line to name its client; the stats still should.
    stats[client] = { ...aggregatePhase(windows, { pods: record.readyPods }), client };
  }
  const verdicts: VerdictRow[] = [];
  for (const [client, expect] of Object.entries(record.expect)) {
    for (const row of checkClient(record, client, expect, stats[client]!)) {
      verdicts.push({ phase: record.phase, client, ...row });
    }
  }
  return { record, stats, verdicts };
}
