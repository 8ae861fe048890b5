import {
  type EndpointSlice,
  type SliceSource,
  type SliceUpdate,
  SliceWatcher,
  type SliceWatcherOptions,
} from '@lab/resolver-kubernetes';

/** What a stream learns about its Service. */
export interface WatchState {
  /** Every slice of the Service as last listed or watched; undefined until the API first answered. */
  slices: EndpointSlice[] | undefined;
  /** The last failure to read the API, while it lasts; the slices above are kept meanwhile. */
  failure: string | undefined;
}

export type WatchListener = (state: WatchState) => void;

export interface ServiceWatchesOptions {
  createSource(service: string, namespace: string): SliceSource;
  watcher: SliceWatcherOptions;
  /**
   * How long a watch nobody uses is kept, so that a client that reconnects
   * (or a second client that comes just after the first left) does not cost
   * a fresh list.
   */
  lingerMs: number;
  log(text: string): void;
  onFailure?(key: string): void;
}

interface Entry {
  watcher: SliceWatcher;
  listeners: Set<WatchListener>;
  state: WatchState;
  linger: NodeJS.Timeout | undefined;
}

/**
 * One EndpointSlice list+watch per Kubernetes Service (the resolver's
 * SliceWatcher, with its backoff, 410 handling and resync), shared by every
 * stream that asks for that Service, whatever port each wants.
 */
export class ServiceWatches {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly options: ServiceWatchesOptions) {}

  /** Watches running, lingering ones included. */
  get size(): number {
    return this.entries.size;
  }

  /** Calls `listener` now if the Service's slices are known, then on every change. */
  subscribe(service: string, namespace: string, listener: WatchListener): () => void {
    const key = `${namespace}/${service}`;
    let entry = this.entries.get(key);
    if (!entry) {
      entry = this.start(key, service, namespace);
      this.entries.set(key, entry);
    }
    clearTimeout(entry.linger);
    entry.linger = undefined;
    entry.listeners.add(listener);
    if (entry.state.slices !== undefined) listener(entry.state);
    const owner = entry;
    return () => {
      owner.listeners.delete(listener);
      if (owner.listeners.size > 0 || this.entries.get(key) !== owner) return;
      const stop = () => {
        owner.watcher.stop();
        this.entries.delete(key);
        this.options.log(`${key}: no stream left; watch stopped`);
      };
      if (this.options.lingerMs <= 0) return stop();
      owner.linger = setTimeout(stop, this.options.lingerMs);
      owner.linger.unref();
    };
  }

  stopAll(): void {
    for (const entry of this.entries.values()) {
      clearTimeout(entry.linger);
      entry.watcher.stop();
    }
    this.entries.clear();
  }

  private start(key: string, service: string, namespace: string): Entry {
    // The watcher reports asynchronously, after `entry` exists.
    const watcher = new SliceWatcher(
      this.options.createSource(service, namespace),
      this.options.watcher,
      (update) => this.onUpdate(key, entry, update),
    );
    const entry: Entry = {
      watcher,
      listeners: new Set(),
      state: { slices: undefined, failure: undefined },
      linger: undefined,
    };
    this.options.log(`${key}: list and watch EndpointSlices`);
    watcher.start();
    return entry;
  }

  private onUpdate(key: string, entry: Entry, update: SliceUpdate): void {
    if (update.kind === 'failure') {
      const kept =
        entry.state.slices === undefined
          ? 'no list yet: streams wait, clients fall back after their timeout'
          : 'keeping the last list';
      this.options.log(
        `${key}: ${update.error.message}; retrying in ${(update.retryInMs / 1000).toFixed(1)} s; ${kept}`,
      );
      this.options.onFailure?.(key);
      entry.state = { ...entry.state, failure: update.error.message };
      return;
    }
    entry.state = { slices: update.slices, failure: undefined };
    for (const listener of [...entry.listeners]) listener(entry.state);
  }
}
