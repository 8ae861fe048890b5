import * as hdr from 'hdr-histogram-js';
import type { LatencySummary } from './window-schema.js';

/**
 * Microsecond resolution with 3 significant digits, from 1 µs to one hour:
 * enough for loopback calls (~100 µs) and for deadlines of minutes.
 */
export function createLatencyHistogram(): hdr.Histogram {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
  });
}

export function recordLatencyMs(histogram: hdr.Histogram, ms: number): void {
  histogram.recordValue(Math.max(1, Math.round(ms * 1000)));
}

export function summarize(histogram: hdr.Histogram): LatencySummary | null {
  if (histogram.totalCount === 0) return null;
  const ms = (us: number) => Math.round(us) / 1000;
  return {
    p50: ms(histogram.getValueAtPercentile(50)),
    p90: ms(histogram.getValueAtPercentile(90)),
    p99: ms(histogram.getValueAtPercentile(99)),
    max: ms(histogram.maxValue),
  };
}

export function encodeHistogram(histogram: hdr.Histogram): string {
  return hdr.encodeIntoCompressedBase64(histogram);
}

/** Adds every encoded histogram into one fresh histogram. */
export function mergeHistograms(encoded: Iterable<string>): hdr.Histogram {
  const merged = createLatencyHistogram();
  for (const text of encoded) {
    if (text === '') continue;
    const decoded = hdr.decodeFromCompressedBase64(text);
    merged.add(decoded);
    decoded.destroy();
  }
  return merged;
}
