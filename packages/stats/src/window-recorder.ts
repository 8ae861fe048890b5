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
  /** The node the pod said it runs on (addr-server's node_name); empty or absent when unknown. */
  node?: string | undefined;
}

export interface WindowRecorderOptions {
  /** The client's own node (its NODE_NAME), stamped on every window. */
  node?: string | undefined;
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
  private backendNodes = new Map<string, string>();
  private proxies = new Map<string, number>();
  private readonly node: string | undefined;
  private readonly histogram = createLatencyHistogram();

  constructor(
    private readonly client: string,
    private readonly protocol: WindowLine['protocol'],
    private readonly now: () => number = Date.now,
    options: WindowRecorderOptions = {},
  ) {
    this.start = now();
    // An empty NODE_NAME says nothing; the schema refuses an empty node.
    this.node = options.node || undefined;
  }

  /**
   * One successful call. `proxy` is the identity a proxy on the way put in
   * the response (the `x-lab-proxy` header); undefined when none did.
   */
  recordOk(backend: Backend, latencyMs: number, proxy?: string | undefined): void {
    this.ok += 1;
    this.backends.set(backend.pod, (this.backends.get(backend.pod) ?? 0) + 1);
    this.backendIps.set(backend.pod, backend.ip);
    if (backend.node) this.backendNodes.set(backend.pod, backend.node);
    if (proxy) this.proxies.set(proxy, (this.proxies.get(proxy) ?? 0) + 1);
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
      // Optional fields only when known, so lines of clients that know none stay as they were.
      ...(this.backendNodes.size > 0 ? { backendNodes: Object.fromEntries(this.backendNodes) } : {}),
      ...(this.node ? { node: this.node } : {}),
      ...(this.proxies.size > 0 ? { proxies: Object.fromEntries(this.proxies) } : {}),
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
    this.backendNodes.clear();
    this.proxies.clear();
    this.histogram.reset();
    return line;
  }
}
