/**
 * - `ready`: connected (READY);
 * - `connecting`: IDLE or CONNECTING, so a call would wait for the connection;
 * - `failing`: TRANSIENT_FAILURE (or shut down), so a call would fail at once.
 */
export type PoolChannelState = 'ready' | 'connecting' | 'failing';

/** One connection to one address, as the balancer sees it. */
export interface PoolChannel<C> {
  readonly client: C;
  state(): PoolChannelState;
  close(): void;
}

/** A picked channel; `release` once the call or stream has ended. */
export interface Lease<C> {
  readonly client: C;
  readonly address: string;
  release(): void;
}

export type PoolEvent =
  | { kind: 'added'; address: string; live: number }
  | { kind: 'removed'; address: string; live: number; inFlight: number }
  | { kind: 'closed'; address: string };

interface Entry<C> {
  address: string;
  channel: PoolChannel<C>;
  inFlight: number;
  draining: boolean;
}

/**
 * One channel per address, and round robin over them, which is what the
 * OpenTelemetry load-balancing exporter does (with a hash ring where this
 * has round robin). A removed address is never picked again, but its
 * channel stays open until the calls already on it have ended: closing a
 * grpc-js channel fails the calls still waiting for a connection
 * ("Channel closed before call started"), so it is closed only when idle.
 */
export class ChannelPool<C> {
  /** Sorted by address, so the rotation is the same from run to run. */
  private live: Entry<C>[] = [];
  private readonly draining = new Map<string, Entry<C>>();
  private next = 0;
  private closed = false;

  constructor(
    private readonly open: (address: string) => PoolChannel<C>,
    private readonly onEvent: (event: PoolEvent) => void = () => {},
  ) {}

  get addresses(): string[] {
    return this.live.map((entry) => entry.address);
  }

  /** Makes the live set exactly `addresses`: opens the new ones, drains the others. */
  update(addresses: readonly string[]): void {
    if (this.closed) return;
    const wanted = new Set(addresses);
    const kept = this.live.filter((entry) => wanted.has(entry.address));
    const removed = this.live.filter((entry) => !wanted.has(entry.address));
    const have = new Set(kept.map((entry) => entry.address));
    const added: Entry<C>[] = [];
    for (const address of wanted) {
      if (have.has(address)) continue;
      // Back before its drain ended: its channel is still open, so reuse it.
      const revived = this.draining.get(address);
      this.draining.delete(address);
      if (revived) revived.draining = false;
      added.push(revived ?? { address, channel: this.open(address), inFlight: 0, draining: false });
    }
    this.live = [...kept, ...added].sort((a, b) => compare(a.address, b.address));
    added.forEach((entry, i) => {
      this.onEvent({ kind: 'added', address: entry.address, live: kept.length + i + 1 });
    });
    for (const entry of removed) {
      entry.draining = true;
      this.draining.set(entry.address, entry);
      this.onEvent({
        kind: 'removed',
        address: entry.address,
        live: this.live.length,
        inFlight: entry.inFlight,
      });
      if (entry.inFlight === 0) this.closeDrained(entry);
    }
  }

  /**
   * The next live channel in rotation that is READY, as grpc-js's
   * round_robin picks; if none is, the next one still connecting, so the
   * call waits for it; if every one is in TRANSIENT_FAILURE, the next one
   * anyway, so the call fails and is counted rather than dropped. Undefined
   * when no address is live.
   */
  acquire(): Lease<C> | undefined {
    const count = this.live.length;
    if (count === 0) return undefined;
    const states = this.live.map((entry) => entry.channel.state());
    const first = (wanted: (state: PoolChannelState) => boolean) => {
      for (let i = 0; i < count; i++) {
        const at = (this.next + i) % count;
        if (wanted(states[at] ?? 'failing')) return at;
      }
      return undefined;
    };
    const at =
      first((state) => state === 'ready') ??
      first((state) => state === 'connecting') ??
      this.next % count;
    this.next = (at + 1) % count;
    const entry = this.live[at];
    if (!entry) return undefined;
    entry.inFlight += 1;
    let released = false;
    return {
      client: entry.channel.client,
      address: entry.address,
      release: () => {
        if (released) return;
        released = true;
        entry.inFlight -= 1;
        if (entry.draining && entry.inFlight === 0) this.closeDrained(entry);
      },
    };
  }

  /** Closes every channel now, for the end of a run once the calls are done; returns how many. */
  close(): number {
    this.closed = true;
    const entries = [...this.live, ...this.draining.values()];
    for (const entry of entries) entry.channel.close();
    this.live = [];
    this.draining.clear();
    return entries.length;
  }

  private closeDrained(entry: Entry<C>): void {
    if (this.draining.get(entry.address) !== entry) return;
    this.draining.delete(entry.address);
    entry.channel.close();
    this.onEvent({ kind: 'closed', address: entry.address });
  }
}

/** Addresses compare by their numbers, so 127.0.0.10 follows 127.0.0.9. */
function compare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}
