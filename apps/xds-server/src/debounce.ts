/** Istio's PILOT_DEBOUNCE_AFTER: a change waits this long for more before it is pushed. */
export const DEFAULT_DEBOUNCE_MS = 100;
/** Istio's PILOT_DEBOUNCE_MAX: steady churn is still pushed at least this often. */
export const DEFAULT_DEBOUNCE_MAX_MS = 10_000;

/**
 * Coalesces bursts of endpoint events into one push: `fire` runs once the
 * events have been quiet for `quietMs`, or `maxMs` after the first one of
 * the burst, whichever comes first, with the time that first event came (a
 * push's latency counts from there). A rolling restart changes a slice
 * several times per pod; without this every client would get, and ACK,
 * every intermediate state.
 */
export class Debouncer {
  private firstAt: number | undefined;
  private quietTimer: NodeJS.Timeout | undefined;
  private maxTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly quietMs: number,
    private readonly maxMs: number,
    private readonly fire: (firstAt: number) => void,
  ) {}

  get pending(): boolean {
    return this.firstAt !== undefined;
  }

  trigger(): void {
    if (this.quietMs <= 0) {
      this.fire(Date.now());
      return;
    }
    if (this.firstAt === undefined) {
      this.firstAt = Date.now();
      this.maxTimer = setTimeout(() => this.flush(), Math.max(this.maxMs, this.quietMs));
      this.maxTimer.unref();
    }
    clearTimeout(this.quietTimer);
    this.quietTimer = setTimeout(() => this.flush(), this.quietMs);
    this.quietTimer.unref();
  }

  /** Fires now if anything is pending. */
  flush(): void {
    const firstAt = this.firstAt;
    this.cancel();
    if (firstAt !== undefined) this.fire(firstAt);
  }

  cancel(): void {
    clearTimeout(this.quietTimer);
    clearTimeout(this.maxTimer);
    this.quietTimer = undefined;
    this.maxTimer = undefined;
    this.firstAt = undefined;
  }
}
