export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  /** Growth per failure; 1.6 as gRPC's connection backoff. */
  multiplier?: number;
  /** ± this fraction of randomness, so that many clients do not retry in step. */
  jitter?: number;
}

/**
 * Exponential backoff between attempts to reach the API server: 1 s growing
 * to 30 s by default, as kuberesolver does. `reset()` after a success.
 */
export class Backoff {
  private failures = 0;

  constructor(
    private readonly options: BackoffOptions,
    private readonly random: () => number = Math.random,
  ) {}

  /** The delay before the next attempt; each call counts one more failure. */
  next(): number {
    const { initialMs, maxMs, multiplier = 1.6, jitter = 0.2 } = this.options;
    const base = Math.min(maxMs, initialMs * multiplier ** this.failures);
    this.failures++;
    const spread = base * jitter * (2 * this.random() - 1);
    return Math.max(0, Math.min(maxMs, Math.round(base + spread)));
  }

  reset(): void {
    this.failures = 0;
  }

  get failuresInARow(): number {
    return this.failures;
  }
}
