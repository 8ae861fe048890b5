import type { EndpointSlice } from './slice-merge.js';
import {
  type SliceSource,
  SliceSourceError,
  sliceSourceError,
  type WatchEvent,
} from './slice-source.js';
import { Backoff, type BackoffOptions } from './slice-watch-backoff.js';

export interface SliceWatcherOptions {
  /** Lists again this often even when the watch is healthy; kuberesolver: 30 min. */
  resyncMs: number;
  backoff: BackoffOptions;
  /**
   * A watch that ends sooner than this without news counts as a failure, so
   * a server or proxy that closes every watch at once is not hammered.
   */
  minWatchMs?: number;
}

export type SliceUpdate =
  /** Every slice of the Service as now known; `cause` says what changed. */
  | { kind: 'slices'; slices: EndpointSlice[]; cause: string }
  /** The API could not be read; the watcher tries again in `retryInMs`. */
  | { kind: 'failure'; error: SliceSourceError; retryInMs: number };

const DEFAULT_MIN_WATCH_MS = 1000;

/**
 * Lists a Service's EndpointSlices, then watches them, as an informer does:
 * a normal end of the watch (server timeout) watches again from the last
 * resourceVersion; 410 Gone lists again at once; any other failure lists
 * again after a backoff; and a periodic resync lists again in any case, so
 * a missed event cannot leave the list wrong for long. The slices it knows
 * are kept through failures: the caller decides what to do with them.
 */
export class SliceWatcher {
  private slices = new Map<string, EndpointSlice>();
  private resourceVersion = '';
  /** Bumped whenever in-flight callbacks must be ignored. */
  private generation = 0;
  private running = false;
  private watch: { stop(): void } | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  private expiredInARow = 0;
  private watchStartedAt = 0;
  private readonly backoff: Backoff;

  constructor(
    private readonly source: SliceSource,
    private readonly options: SliceWatcherOptions,
    private readonly onUpdate: (update: SliceUpdate) => void,
    private readonly log: (text: string) => void = () => {},
  ) {
    this.backoff = new Backoff(options.backoff);
  }

  get isRunning(): boolean {
    return this.running;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.relist('first list');
  }

  stop(): void {
    this.running = false;
    this.generation++;
    this.stopWatch();
    this.clearTimers();
  }

  private relist(cause: string): void {
    const generation = ++this.generation;
    this.stopWatch();
    this.clearTimers();
    this.log(`list (${cause})`);
    this.source.list().then(
      (list) => {
        if (generation !== this.generation) return;
        this.backoff.reset();
        this.slices = new Map(list.slices.map((slice) => [sliceKey(slice), slice]));
        this.resourceVersion = list.resourceVersion;
        this.emit(`listed ${list.slices.length} at resourceVersion ${list.resourceVersion}`);
        this.resyncTimer = setTimeout(() => this.relist('periodic resync'), this.options.resyncMs);
        this.resyncTimer.unref();
        this.openWatch(generation);
      },
      (error: unknown) => {
        if (generation !== this.generation) return;
        this.fail(asSourceError(error));
      },
    );
  }

  private openWatch(generation: number): void {
    const startedAt = Date.now();
    this.watchStartedAt = startedAt;
    let events = 0;
    this.log(`watch from resourceVersion ${this.resourceVersion}`);
    this.watch = this.source.watch(
      this.resourceVersion,
      (event) => {
        if (generation !== this.generation) return;
        events++;
        this.onEvent(event);
      },
      (error) => {
        if (generation !== this.generation) return;
        this.watch = undefined;
        this.onWatchEnd(error, Date.now() - startedAt, events, generation);
      },
    );
  }

  private onEvent(event: WatchEvent): void {
    if (event.type === 'ERROR') {
      const status = event.object;
      if (status.code === 410 || status.reason === 'Expired' || status.reason === 'Gone') {
        this.onExpired(`410 Gone on the watch: ${status.message ?? 'resourceVersion too old'}`);
        return;
      }
      this.fail(
        sliceSourceError(
          'watch',
          this.source.namespace ?? '?',
          status.code ?? 500,
          status.message ?? status.reason,
        ),
      );
      return;
    }
    this.expiredInARow = 0;
    const slice = event.object;
    const version = slice.metadata?.resourceVersion;
    if (version) this.resourceVersion = version;
    if (event.type === 'BOOKMARK') return;
    if (event.type === 'DELETED') this.slices.delete(sliceKey(slice));
    else this.slices.set(sliceKey(slice), slice);
    this.emit(`${event.type} ${slice.metadata?.name ?? '?'}`);
  }

  private onWatchEnd(
    error: SliceSourceError | undefined,
    lastedMs: number,
    events: number,
    generation: number,
  ): void {
    if (error?.kind === 'expired') {
      this.onExpired(error.message);
      return;
    }
    if (error === undefined || error.kind === 'timeout') {
      const minMs = this.options.minWatchMs ?? DEFAULT_MIN_WATCH_MS;
      if (lastedMs >= minMs || events > 0) {
        this.log(
          `watch ended after ${lastedMs} ms (${error ? 'client timeout' : 'closed'}); watching again`,
        );
        this.openWatch(generation);
        return;
      }
      this.fail(
        new SliceSourceError(`the API server ended the watch after ${lastedMs} ms`, 'unreachable'),
      );
      return;
    }
    this.fail(error);
  }

  /** Lists again at once, unless the list it would do keeps expiring: then backs off. */
  private onExpired(why: string): void {
    // A watch that ran for a while before expiring is the normal case
    // (history compacted); only quick repeats mean the list itself is stale.
    const minMs = this.options.minWatchMs ?? DEFAULT_MIN_WATCH_MS;
    if (Date.now() - this.watchStartedAt >= minMs) this.expiredInARow = 0;
    this.expiredInARow++;
    if (this.expiredInARow > 2) {
      this.fail(new SliceSourceError(`${why} (${this.expiredInARow} times in a row)`, 'expired'));
      return;
    }
    this.relist(why);
  }

  private fail(error: SliceSourceError): void {
    const generation = ++this.generation;
    this.stopWatch();
    this.clearTimers();
    const retryInMs = this.backoff.next();
    this.retryTimer = setTimeout(() => {
      if (generation === this.generation) this.relist(`retry after: ${error.message}`);
    }, retryInMs);
    this.retryTimer.unref();
    this.onUpdate({ kind: 'failure', error, retryInMs });
  }

  private emit(cause: string): void {
    this.onUpdate({ kind: 'slices', slices: [...this.slices.values()], cause });
  }

  private stopWatch(): void {
    const watch = this.watch;
    this.watch = undefined;
    watch?.stop();
  }

  private clearTimers(): void {
    clearTimeout(this.retryTimer);
    clearTimeout(this.resyncTimer);
    this.retryTimer = undefined;
    this.resyncTimer = undefined;
  }
}

function sliceKey(slice: EndpointSlice): string {
  return slice.metadata?.name ?? JSON.stringify(slice);
}

function asSourceError(error: unknown): SliceSourceError {
  if (error instanceof SliceSourceError) return error;
  return new SliceSourceError(error instanceof Error ? error.message : String(error), 'http');
}
