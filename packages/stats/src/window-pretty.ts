import type { WindowLine } from './window-schema.js';

const BAR_WIDTH = 40;

/**
 * A human-readable view of one window: a bar per backend pod, sized by its
 * share of the window's successful calls, then the failures by code.
 */
export function renderWindow(line: WindowLine): string {
  const seconds = ((line.end - line.start) / 1000).toFixed(1);
  const rate = line.end > line.start ? Math.round((line.ok * 1000) / (line.end - line.start)) : 0;
  const header =
    `${line.client} (${line.protocol}) ${seconds}s window: ${line.ok} ok, ${line.failed} failed` +
    (line.skipped > 0 ? `, ${line.skipped} skipped` : '') +
    `, ${rate}/s` +
    (line.latencyMs ? `, p50 ${line.latencyMs.p50} ms, p99 ${line.latencyMs.p99} ms` : '');
  const rows = Object.entries(line.backends).map(([pod, calls]) => ({
    pod,
    calls,
    share: line.ok > 0 ? calls / line.ok : 0,
    ip: line.backendIps[pod] ?? '',
  }));
  return [header, ...renderShareBars(rows), ...renderErrors(line.errors)].join('\n');
}

export interface ShareRow {
  pod: string;
  calls: number;
  /** 0 to 1 */
  share: number;
  ip?: string;
}

/** One bar per pod, sorted by name; idle pods (0 calls) show as an empty bar. */
export function renderShareBars(rows: readonly ShareRow[]): string[] {
  const sorted = [...rows].sort((a, b) => a.pod.localeCompare(b.pod));
  const nameWidth = Math.max(0, ...sorted.map((row) => row.pod.length));
  return sorted.map(({ pod, calls, share, ip }) => {
    const bar = '█'.repeat(Math.round(share * BAR_WIDTH)).padEnd(BAR_WIDTH, '·');
    return `  ${pod.padEnd(nameWidth)} ${bar} ${(share * 100).toFixed(1).padStart(5)}% ${String(calls).padStart(6)}  ${ip ?? ''}`.trimEnd();
  });
}

/** Failures by code, one line each; words, not colour, carry the meaning. */
export function renderErrors(errors: Record<string, number>): string[] {
  return Object.entries(errors).map(([code, n]) => `  ✗ ${code}: ${n}`);
}
