import type { ServerResponse } from 'node:http';
import type { FieldSelector } from './field-selector.js';
import { cloneObject, type KubeObject, type StoreEvent } from './kube-object.js';
import { fieldsOf, type ResourceDef } from './kube-resources.js';
import { expired, type KubeStatus, tooLargeResourceVersion } from './kube-status.js';
import type { KubeStore } from './kube-store.js';
import type { LabelSelector } from './label-selector.js';

export interface WatchOptions {
  resource: ResourceDef;
  namespace: string | undefined;
  labels: LabelSelector;
  fields: FieldSelector;
  /** undefined: "now", sending the current objects as ADDED first (resourceVersion unset or 0). */
  resourceVersion: number | undefined;
  sendInitialEvents: boolean;
  allowBookmarks: boolean;
  bookmarkIntervalMs: number;
  timeoutMs: number;
  /** Wraps each event's object (a Table row for kubectl get -w). */
  encode: (object: KubeObject, first: boolean) => unknown;
}

/** How long a watch from a resourceVersion the store has not reached waits for it, as the watch cache does. */
const FRESHNESS_WAIT_MS = 3000;
/** A client this far behind is cut off, as the API server cuts off unresponsive watchers. */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;
/** The watch cache sends its last bookmark this long before the watch times out. */
const PRE_TIMEOUT_BOOKMARK_MS = 2000;

/**
 * One watch request: a stream of JSON lines `{"type","object"}` over a
 * chunked HTTP response, as the API server's watch cache serves it.
 */
export class KubeWatch {
  private closed = false;
  private first = true;
  private lastBookmarkSent = false;
  private unsubscribe: (() => void) | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly deadline: number;

  constructor(
    private readonly store: KubeStore,
    private readonly res: ServerResponse,
    private readonly options: WatchOptions,
    private readonly onClose: (watch: KubeWatch) => void,
  ) {
    this.deadline = Date.now() + options.timeoutMs;
  }

  start(): void {
    this.res.writeHead(200, {
      'Content-Type': 'application/json',
      'Cache-Control': 'no-cache, private',
    });
    this.res.flushHeaders();
    this.res.on('close', () => this.close());
    this.timer(() => this.end(), this.options.timeoutMs);
    const { resourceVersion } = this.options;
    if (resourceVersion !== undefined && resourceVersion > this.store.resourceVersion) {
      this.waitForFreshness(resourceVersion);
    } else {
      this.begin();
    }
  }

  /** Ends the stream cleanly, as a server shutting down does: the client sees EOF. */
  end(): void {
    if (this.closed) return;
    this.res.end();
    this.close();
  }

  private begin(): void {
    const { resourceVersion, sendInitialEvents } = this.options;
    if (resourceVersion === undefined || sendInitialEvents) {
      for (const object of this.currentObjects()) this.send('ADDED', object);
      if (sendInitialEvents) this.bookmark(true);
    } else {
      const events = this.store.eventsSince(resourceVersion);
      if (!events) {
        this.fail(
          expired(
            `too old resource version: ${resourceVersion} (${this.store.oldestResourceVersion})`,
          ),
        );
        return;
      }
      for (const event of events) this.deliver(event);
    }
    this.unsubscribe = this.store.subscribe({
      onEvent: (event) => this.deliver(event),
      onExpired: () => this.fail(expired('The resourceVersion for the provided watch is too old.')),
    });
    this.scheduleBookmark();
  }

  private waitForFreshness(resourceVersion: number): void {
    const giveUp = this.timer(() => {
      stop();
      this.fail(tooLargeResourceVersion(resourceVersion, this.store.resourceVersion));
    }, FRESHNESS_WAIT_MS);
    const stop = this.store.subscribe({
      onEvent: () => {
        if (this.store.resourceVersion < resourceVersion) return;
        clearTimeout(giveUp);
        this.timers.delete(giveUp);
        stop();
        // After the store has told every listener of this change, so the
        // replay and the subscription in begin() neither miss nor repeat one.
        queueMicrotask(() => {
          if (!this.closed) this.begin();
        });
      },
    });
    this.unsubscribe = stop;
  }

  private currentObjects(): KubeObject[] {
    const { resource, namespace } = this.options;
    return this.store
      .list(resource.apiVersion, resource.kind, namespace)
      .filter((object) => this.matches(object));
  }

  private matches(object: KubeObject): boolean {
    const { resource, namespace, labels, fields } = this.options;
    if (namespace && object.metadata.namespace !== namespace) return false;
    return labels.matches(object.metadata.labels) && fields.matches(fieldsOf(resource, object));
  }

  /** A change as this watcher sees it: entering or leaving its selection is ADDED or DELETED. */
  private deliver(event: StoreEvent): void {
    const { resource } = this.options;
    if (event.object.apiVersion !== resource.apiVersion || event.object.kind !== resource.kind)
      return;
    const now = event.type !== 'DELETED' && this.matches(event.object);
    const before = event.previous !== undefined && this.matches(event.previous);
    if (now && before) this.send('MODIFIED', event.object);
    else if (now) this.send('ADDED', event.object);
    else if (before && event.previous) {
      const last = cloneObject(event.previous);
      last.metadata.resourceVersion = `${event.resourceVersion}`;
      this.send('DELETED', last);
    }
  }

  private send(type: string, object: KubeObject): void {
    const encoded = this.options.encode(object, this.first);
    this.first = false;
    this.write({ type, object: encoded });
  }

  private bookmark(initialEventsEnd: boolean): void {
    const { resource } = this.options;
    this.write({
      type: 'BOOKMARK',
      object: {
        kind: resource.kind,
        apiVersion: resource.apiVersion,
        metadata: {
          resourceVersion: `${this.store.resourceVersion}`,
          ...(initialEventsEnd ? { annotations: { 'k8s.io/initial-events-end': 'true' } } : {}),
        },
      },
    });
  }

  /** Roughly every interval, and once just before the timeout, as the watch cache does. */
  private scheduleBookmark(): void {
    if (!this.options.allowBookmarks || this.closed || this.lastBookmarkSent) return;
    const now = Date.now();
    const preTimeout = this.deadline - PRE_TIMEOUT_BOOKMARK_MS;
    const next = Math.min(now + this.options.bookmarkIntervalMs, preTimeout);
    if (next < now) return;
    this.timer(() => {
      // Timers may fire a millisecond early: the pre-timeout one is the last, whatever the clock says.
      if (next === preTimeout) this.lastBookmarkSent = true;
      this.bookmark(false);
      this.scheduleBookmark();
    }, next - now);
  }

  /** An ERROR event carrying the Status, then the end of the stream. */
  private fail(status: KubeStatus): void {
    this.write({ type: 'ERROR', object: status });
    this.end();
  }

  private write(event: object): void {
    if (this.closed) return;
    this.res.write(`${JSON.stringify(event)}\n`);
    if (this.res.writableLength > MAX_BUFFERED_BYTES) this.end();
  }

  private timer(run: () => void, ms: number): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, ms);
    this.timers.add(timer);
    return timer;
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe?.();
    for (const timer of this.timers) clearTimeout(timer);
    this.onClose(this);
  }
}
