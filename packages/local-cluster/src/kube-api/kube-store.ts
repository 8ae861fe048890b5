import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import {
  cloneObject,
  type KubeObject,
  kubeTime,
  objectKey,
  type StoreEvent,
  typeKey,
} from './kube-object.js';

/** Receives every change in the store, synchronously, in resourceVersion order. */
export interface StoreListener {
  onEvent(event: StoreEvent): void;
  /** The history was compacted with `expireOpenWatches`: a watch must end with 410 Gone. */
  onExpired?(): void;
}

export interface KubeStoreOptions {
  /**
   * How many events the store remembers for watches that resume from a
   * resourceVersion; older ones are forgotten, like the API server's watch
   * cache (default 10000).
   */
  historyLimit?: number;
}

/**
 * The objects of the cluster, like etcd behind the API server: one
 * cluster-wide resourceVersion counter, every change an event, and a bounded
 * history of events so a watch can resume from a resourceVersion.
 */
export class KubeStore {
  private revision = 0;
  /** A watch or exact list from a resourceVersion below this one gets 410 Gone. */
  private floor = 0;
  private readonly kinds = new Map<string, Map<string, KubeObject>>();
  private history: StoreEvent[] = [];
  private readonly listeners = new Set<StoreListener>();
  private readonly pending: StoreEvent[] = [];
  private dispatching = false;
  private readonly historyLimit: number;

  constructor(options: KubeStoreOptions = {}) {
    this.historyLimit = options.historyLimit ?? 10_000;
  }

  /** The latest resourceVersion handed out. */
  get resourceVersion(): number {
    return this.revision;
  }

  /** The oldest resourceVersion a watch can resume from. */
  get oldestResourceVersion(): number {
    return this.floor;
  }

  /**
   * Create or replace; assigns resourceVersion (cluster-wide counter), uid
   * and creationTimestamp on create; emits ADDED or MODIFIED to matching
   * watches. Returns the stored copy. A replace that changes nothing is a
   * no-op, as in the API server: no new resourceVersion, no event. An object
   * created with metadata.generation gets it bumped whenever its spec changes.
   */
  put<T extends KubeObject>(object: T): T {
    const incoming = cloneObject(object);
    const objects = this.objectsOf(incoming.apiVersion, incoming.kind, true) as Map<
      string,
      KubeObject
    >;
    const key = objectKey(incoming.metadata.namespace, incoming.metadata.name);
    const previous = objects.get(key);
    if (previous) {
      incoming.metadata.uid = previous.metadata.uid;
      incoming.metadata.creationTimestamp = previous.metadata.creationTimestamp;
      if (previous.metadata.generation === undefined) delete incoming.metadata.generation;
      else {
        const specChanged = !isDeepStrictEqual(previous.spec, incoming.spec);
        incoming.metadata.generation = previous.metadata.generation + (specChanged ? 1 : 0);
      }
      incoming.metadata.resourceVersion = previous.metadata.resourceVersion;
      if (isDeepStrictEqual(previous, incoming)) return cloneObject(previous) as T;
    } else {
      incoming.metadata.uid = randomUUID();
      incoming.metadata.creationTimestamp = kubeTime();
    }
    const resourceVersion = ++this.revision;
    incoming.metadata.resourceVersion = `${resourceVersion}`;
    objects.set(key, incoming);
    this.record({
      type: previous ? 'MODIFIED' : 'ADDED',
      resourceVersion,
      object: incoming,
      ...(previous ? { previous } : {}),
    });
    return cloneObject(incoming) as T;
  }

  /** Deletes if present; emits DELETED with the last state; returns whether it existed. */
  remove(apiVersion: string, kind: string, namespace: string | undefined, name: string): boolean {
    const objects = this.objectsOf(apiVersion, kind, false);
    const key = objectKey(namespace, name);
    const previous = objects?.get(key);
    if (!objects || !previous) return false;
    objects.delete(key);
    const resourceVersion = ++this.revision;
    // The API server stamps a deleted object with the deletion's revision.
    const object = cloneObject(previous);
    object.metadata.resourceVersion = `${resourceVersion}`;
    this.record({ type: 'DELETED', resourceVersion, object, previous });
    return true;
  }

  get(
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    name: string,
  ): KubeObject | undefined {
    const found = this.objectsOf(apiVersion, kind, false)?.get(objectKey(namespace, name));
    return found && cloneObject(found);
  }

  /** The current objects of a kind (in one namespace, or all), in storage-key order. */
  list(apiVersion: string, kind: string, namespace?: string): KubeObject[] {
    const objects = this.objectsOf(apiVersion, kind, false);
    if (!objects) return [];
    return sortByKey(
      [...objects.values()].filter((o) => !namespace || o.metadata.namespace === namespace),
    ).map(cloneObject);
  }

  /**
   * The objects of a kind as they were at `resourceVersion`, rebuilt by undoing
   * the events after it; undefined once the history no longer reaches back
   * that far (the API server's "too old" case).
   */
  listAt(
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    resourceVersion: number,
  ): KubeObject[] | undefined {
    if (resourceVersion < this.floor) return undefined;
    const type = typeKey(apiVersion, kind);
    const state = new Map<string, KubeObject>();
    for (const object of this.objectsOf(apiVersion, kind, false)?.values() ?? []) {
      state.set(objectKey(object.metadata.namespace, object.metadata.name), object);
    }
    for (let i = this.history.length - 1; i >= 0; i--) {
      const event = this.history[i];
      if (!event || event.resourceVersion <= resourceVersion) break;
      const { object, previous } = event;
      if (typeKey(object.apiVersion, object.kind) !== type) continue;
      const key = objectKey(object.metadata.namespace, object.metadata.name);
      if (event.type === 'ADDED') state.delete(key);
      else if (previous) state.set(key, previous);
    }
    return sortByKey(
      [...state.values()].filter((o) => !namespace || o.metadata.namespace === namespace),
    ).map(cloneObject);
  }

  /** Every event after `resourceVersion`, oldest first; undefined if some were forgotten. */
  eventsSince(resourceVersion: number): StoreEvent[] | undefined {
    if (resourceVersion < this.floor) return undefined;
    const first = this.history.findIndex((event) => event.resourceVersion > resourceVersion);
    return first < 0 ? [] : this.history.slice(first).map(copyEvent);
  }

  /** Listens to every later change; returns the unsubscribe function. */
  subscribe(listener: StoreListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Forgets the event history: a watch from any resourceVersion older than now
   * gets 410 Gone. With expireOpenWatches, every open watch is also ended with
   * an ERROR 410 event, as a real API server does when its watch cache falls
   * behind.
   */
  compact(options: { expireOpenWatches?: boolean } = {}): void {
    this.history = [];
    this.floor = this.revision;
    if (!options.expireOpenWatches) return;
    for (const listener of [...this.listeners]) listener.onExpired?.();
  }

  private objectsOf(
    apiVersion: string,
    kind: string,
    create: boolean,
  ): Map<string, KubeObject> | undefined {
    const type = typeKey(apiVersion, kind);
    let objects = this.kinds.get(type);
    if (!objects && create) {
      objects = new Map();
      this.kinds.set(type, objects);
    }
    return objects;
  }

  private record(event: StoreEvent): void {
    this.history.push(event);
    if (this.history.length > this.historyLimit) {
      const dropped = this.history.splice(0, this.history.length - this.historyLimit);
      this.floor = dropped.at(-1)?.resourceVersion ?? this.floor;
    }
    this.pending.push(event);
    // A listener that changes the store while it is told of a change (a
    // controller reacting) queues its event behind the current one, so every
    // listener sees every event in resourceVersion order.
    if (this.dispatching) return;
    this.dispatching = true;
    try {
      for (let next = this.pending.shift(); next; next = this.pending.shift()) this.dispatch(next);
    } finally {
      this.dispatching = false;
    }
  }

  private dispatch(event: StoreEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener.onEvent(copyEvent(event));
      } catch (error) {
        // One faulty listener must not keep the others from seeing the change.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}

function copyEvent(event: StoreEvent): StoreEvent {
  return {
    ...event,
    object: cloneObject(event.object),
    ...(event.previous ? { previous: cloneObject(event.previous) } : {}),
  };
}

function sortByKey(objects: KubeObject[]): KubeObject[] {
  const key = (o: KubeObject) => objectKey(o.metadata.namespace, o.metadata.name);
  return objects.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}
