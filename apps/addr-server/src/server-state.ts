import { setTimeout as sleep } from 'node:timers/promises';
import type { Identity } from './identity.js';
import type { ServerMetrics } from './metrics.js';

export interface CallCounter {
  inc(): void;
}

export interface AddrAnswer {
  podName: string;
  podIp: string;
  nodeName: string;
  startTime: Date;
  callsServed: number;
}

/**
 * What the HTTP and gRPC sides share: identity, the served-calls counter,
 * readiness, and the artificial latency used by experiments.
 */
export class ServerState {
  private served = 0;
  private draining = false;
  private readonly drainListeners = new Set<() => void>();

  constructor(
    readonly identity: Identity,
    readonly metrics: ServerMetrics,
    private readonly latencyMs: number,
    private readonly latencyJitterMs: number,
  ) {
    metrics.ready.set(1);
  }

  get isDraining(): boolean {
    return this.draining;
  }

  /**
   * A counter bound to its labels once: prom-client hashes a label object on
   * every `inc`, which shows up in the benchmark on the hot path.
   */
  callCounter(protocol: 'grpc' | 'http', method: string): CallCounter {
    return this.metrics.calls.labels(protocol, method);
  }

  /** Counts one answered call and returns the answer that names this server. */
  answer(counter: CallCounter): AddrAnswer {
    this.served += 1;
    counter.inc();
    return { ...this.identity, callsServed: this.served };
  }

  /** False when no artificial latency is set, so handlers can answer synchronously. */
  get hasLatency(): boolean {
    return this.latencyMs > 0 || this.latencyJitterMs > 0;
  }

  async delay(): Promise<void> {
    const ms = this.latencyMs + Math.random() * this.latencyJitterMs;
    if (ms > 0) await sleep(ms);
  }

  startDraining(): void {
    if (this.draining) return;
    this.draining = true;
    this.metrics.ready.set(0);
    for (const listener of this.drainListeners) listener();
  }

  onDrain(listener: () => void): () => void {
    this.drainListeners.add(listener);
    return () => this.drainListeners.delete(listener);
  }
}
