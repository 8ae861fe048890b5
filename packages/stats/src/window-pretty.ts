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
  const pods = Object.entries(line.backends).sort(([a], [b]) => a.localeCompare(b));
  const nameWidth = Math.max(0, ...pods.map(([pod]) => pod.length));
  const rows = pods.map(([pod, calls]) => {
    const share = line.ok > 0 ? calls / line.ok : 0;
    const bar = '█'.repeat(Math.round(share * BAR_WIDTH)).padEnd(BAR_WIDTH, '·');
    const ip = line.backendIps[pod] ?? '';
    return `  ${pod.padEnd(nameWidth)} ${bar} ${(share * 100).toFixed(1).padStart(5)}% ${String(calls).padStart(6)}  ${ip}`;
  });
  const errors = Object.entries(line.errors).map(([code, n]) => `  ✗ ${code}: ${n}`);
  return [header, ...rows, ...errors].join('\n');
}
