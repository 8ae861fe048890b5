import {
  createLatencyHistogram,
  encodeHistogram,
  recordLatencyMs,
  summarize,
} from './latency-histogram.js';
import type { WindowLine } from './window-schema.js';

export interface Backend {
  pod: string;
  ip: string;
}

/**
 * Accumulates one window of call outcomes and turns it into a window line.
 * Clients record from their call callbacks; a ticker calls `flush` once per
 * window.
 */
export class WindowRecorder {
  private start: number;
  private ok = 0;
  private skipped = 0;
  private errors = new Map<string, number>();
  private backends = new Map<string, number>();
  private backendIps = new Map<string, string>();
  private readonly histogram = createLatencyHistogram();

  constructor(
    private readonly client: string,
    private readonly protocol: WindowLine['protocol'],
    private readonly now: () => number = Date.now,
  ) {
    this.start = now();
  }

  recordOk(backend: Backend, latencyMs: number): void {
    this.ok += 1;
    this.backends.set(backend.pod, (this.backends.get(backend.pod) ?? 0) + 1);
    this.backendIps.set(backend.pod, backend.ip);
    recordLatencyMs(this.histogram, latencyMs);
  }

  recordError(code: string): void {
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
  }

  recordSkipped(): void {
    this.skipped += 1;
  }

  /** Returns the window that ends now and starts the next one. */
  flush(final = false): WindowLine {
    const end = this.now();
    const errors = Object.fromEntries(this.errors);
    const line: WindowLine = {
      type: 'window',
      v: 1,
      client: this.client,
      protocol: this.protocol,
      start: this.start,
      end,
      ok: this.ok,
      failed: [...this.errors.values()].reduce((sum, n) => sum + n, 0),
      errors,
      skipped: this.skipped,
      backends: Object.fromEntries(this.backends),
      backendIps: Object.fromEntries(this.backendIps),
      latencyMs: summarize(this.histogram),
      histogram: this.ok > 0 ? encodeHistogram(this.histogram) : '',
      ...(final ? { final: true } : {}),
    };
    this.start = end;
    this.ok = 0;
    this.skipped = 0;
    this.errors.clear();
    this.backends.clear();
    this.backendIps.clear();
    this.histogram.reset();
    return line;
  }
}
