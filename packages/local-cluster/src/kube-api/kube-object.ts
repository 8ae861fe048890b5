/** A Kubernetes object as the API serves it: JSON with apiVersion, kind and metadata. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    resourceVersion?: string;
    uid?: string;
    creationTimestamp?: string;
    generation?: number;
    deletionTimestamp?: string;
    [k: string]: unknown;
  };
  [key: string]: unknown;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** One change in the store, at the cluster-wide resourceVersion it was given. */
export interface StoreEvent {
  type: WatchEventType;
  resourceVersion: number;
  /** The new state; for DELETED, the last state stamped with the deletion's resourceVersion. */
  object: KubeObject;
  /** The state before the change (MODIFIED and DELETED). */
  previous?: KubeObject;
}

/** Identifies a kind across the store: `apps/v1 Deployment`. */
export function typeKey(apiVersion: string, kind: string): string {
  return `${apiVersion} ${kind}`;
}

/** The storage key within a kind, ordered as etcd orders /registry/<resource>/<ns>/<name>. */
export function objectKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

/** Objects are JSON: a JSON round trip copies them and drops `undefined` fields, as the wire would. */
export function cloneObject<T>(object: T): T {
  return JSON.parse(JSON.stringify(object)) as T;
}

/** RFC 3339 at second precision, as metav1.Time serializes. */
export function kubeTime(ms: number = Date.now()): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
