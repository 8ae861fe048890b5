import { mergeHistograms, summarize, type WindowLine } from '@lab/stats';
import { type Percentiles, RECENT_WINDOWS, type WindowPoint } from './messages.js';

function percentiles(summary: { p50: number; p99: number } | null): Percentiles | null {
  return summary ? { p50: summary.p50, p99: summary.p99 } : null;
}

/**
 * Turns window lines into what the page draws: no histogram (it is large and
 * the browser cannot merge it), but each client's latency over its last
 * RECENT_WINDOWS windows, merged here from their histograms.
 */
export class WindowPoints {
  private readonly recent = new Map<string, string[]>();

  point(line: WindowLine): WindowPoint {
    const histograms = this.recent.get(line.client) ?? [];
    histograms.push(line.histogram);
    if (histograms.length > RECENT_WINDOWS) histograms.shift();
    this.recent.set(line.client, histograms);
    const merged = mergeHistograms(histograms);
    const recent = percentiles(summarize(merged));
    merged.destroy();
    return {
      client: line.client,
      protocol: line.protocol,
      start: line.start,
      end: line.end,
      ok: line.ok,
      failed: line.failed,
      backends: { ...line.backends },
      latency: percentiles(line.latencyMs),
      recent,
    };
  }
}
