import { RESOURCE_TYPES, type ResourceType, type XdsResource } from './xds-protos.js';

export interface StoredResource {
  resource: XdsResource;
  /** The type's version when this resource last changed: what tells a client's view apart. */
  version: number;
  /** Sent to a wildcard subscriber (LDS and CDS with no names). */
  wildcard: boolean;
  /** Its JSON, to tell a real change from a rebuild that changed nothing. */
  json: string;
}

interface TypeState {
  /** Raised when any resource of the type is added, changed or removed. */
  version: number;
  resources: Map<string, StoredResource>;
}

/**
 * The current resources, with one version counter per type (the
 * `version_info` of every response of that type), as go-control-plane's
 * snapshots and grpc-node's test server keep them. A rebuild that changes
 * nothing keeps the version, so clients get no push.
 */
export class ResourceStore {
  private readonly types = new Map<ResourceType, TypeState>(
    RESOURCE_TYPES.map((type) => [type, { version: 0, resources: new Map() }]),
  );

  /** Replaces every resource of `type`; returns whether anything changed. */
  replace(type: ResourceType, entries: { resource: XdsResource; wildcard: boolean }[]): boolean {
    const state = this.state(type);
    const next = new Map<string, StoredResource>();
    let changed = false;
    const nextVersion = state.version + 1;
    for (const { resource, wildcard } of entries) {
      const json = JSON.stringify(resource);
      const before = state.resources.get(resource.name);
      if (before && before.json === json && before.wildcard === wildcard) {
        next.set(resource.name, before);
      } else {
        next.set(resource.name, { resource, version: nextVersion, wildcard, json });
        changed = true;
      }
    }
    for (const name of state.resources.keys()) if (!next.has(name)) changed = true;
    if (!changed) return false;
    state.version = nextVersion;
    state.resources = next;
    return true;
  }

  version(type: ResourceType): string {
    return `${this.state(type).version}`;
  }

  get(type: ResourceType, name: string): StoredResource | undefined {
    return this.state(type).resources.get(name);
  }

  /** Every resource of the type, by name. */
  all(type: ResourceType): StoredResource[] {
    return [...this.state(type).resources.values()];
  }

  /**
   * What a subscription gets: the wildcard resources, or the named ones that
   * exist (a name with no resource is simply absent, which for LDS and CDS
   * tells the client that it does not exist).
   */
  select(type: ResourceType, subscription: Subscription): StoredResource[] {
    const state = this.state(type);
    if (subscription === 'wildcard') return [...state.resources.values()].filter((r) => r.wildcard);
    const found: StoredResource[] = [];
    for (const name of [...subscription].sort()) {
      const resource = state.resources.get(name);
      if (resource) found.push(resource);
    }
    return found;
  }

  private state(type: ResourceType): TypeState {
    return this.types.get(type)!;
  }
}

/** A client's interest in one type: every (wildcard) resource, or these names. */
export type Subscription = 'wildcard' | ReadonlySet<string>;

/** A key that changes whenever what `select` would send changes. */
export function viewKey(resources: readonly StoredResource[]): string {
  return resources.map((r) => `${r.resource.name}@${r.version}`).join(',');
}
