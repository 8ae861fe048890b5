import type { status } from '@grpc/grpc-js';
import type { XdsMetrics } from './metrics.js';
import { type ResourceStore, type Subscription, viewKey } from './resource-store.js';
import {
  type AdsStream,
  CLUSTER_TYPE,
  type DiscoveryRequest,
  isResourceType,
  LISTENER_TYPE,
  RESOURCE_TYPES,
  type ResourceType,
  TYPE_SHORT,
  type XdsNode,
} from './xds-protos.js';

/** Where a client stands on one type; the config dump shows it. */
export interface TypeStatus {
  subscription: 'wildcard' | string[];
  /** Version and nonce of the last response sent. */
  sentVersion: string | undefined;
  sentNonce: string | undefined;
  /** The last version the client accepted: the one it runs with. */
  ackedVersion: string | undefined;
  /** The last rejection, until a later response is accepted. */
  nack: { version: string; nonce: string; message: string; at: string } | undefined;
}

export interface ClientStatus {
  stream: number;
  peer: string;
  nodeId: string;
  cluster: string;
  userAgent: string;
  connectedAt: string;
  types: Partial<Record<'LDS' | 'RDS' | 'CDS' | 'EDS', TypeStatus>>;
}

interface TypeState {
  subscription: Subscription;
  sentVersion: string | undefined;
  sentNonce: string | undefined;
  sentKey: string | undefined;
  /** When the change behind the response in flight happened, for the latency histogram. */
  changeAt: number | undefined;
  ackedVersion: string | undefined;
  nack: TypeStatus['nack'];
}

export interface AdsConnectionOptions {
  id: number;
  store: ResourceStore;
  metrics: XdsMetrics;
  log(line: string): void;
  /** Identifies this control plane in responses (control_plane.identifier). */
  identifier: string;
}

/**
 * One ADS stream, state of the world: per type, the client's subscription,
 * the version and nonce of the last response, and what it ACKed or NACKed.
 *
 * - A request whose nonce is not the last one sent for its type is stale
 *   (it answers an older response) and is ignored, as the protocol asks.
 * - A request with the current nonce ACKs (no error_detail) or NACKs that
 *   response; a NACK is logged and counted and nothing is resent: the client
 *   keeps running on its last ACKed version until the next change.
 * - A request with no nonce (a new stream, or a type asked for the first
 *   time) or a changed list of names is always answered, even with no
 *   resources, so a client learns that an LDS/CDS name does not exist.
 * - Empty names on LDS or CDS mean wildcard in a first request (see
 *   subscriptionOf); on RDS and EDS, nothing.
 */
export class AdsConnection {
  private readonly types = new Map<ResourceType, TypeState>();
  private nonce = 0;
  private node: XdsNode | undefined;
  private readonly connectedAt = new Date();
  private infoLabels: { node_id: string; cluster: string; user_agent: string } | undefined;
  private closed = false;

  constructor(
    private readonly call: AdsStream,
    private readonly options: AdsConnectionOptions,
  ) {}

  get nodeId(): string {
    return this.node?.id || '(no node id)';
  }

  get label(): string {
    return `stream ${this.options.id} (node ${this.nodeId}, ${this.call.getPeer()})`;
  }

  onRequest(request: DiscoveryRequest): void {
    if (this.closed) return;
    if (!this.node && request.node) this.identify(request.node);
    const typeUrl = request.type_url ?? '';
    if (!isResourceType(typeUrl)) {
      // An unknown type gets no answer: the client's own timer reports it missing.
      this.options.log(`${this.label}: ignoring a request for unserved type '${typeUrl}'`);
      return;
    }
    const short = TYPE_SHORT[typeUrl];
    const state = this.state(typeUrl);
    const nonce = request.response_nonce ?? '';
    if (nonce !== '' && nonce !== state.sentNonce) {
      this.options.metrics.staleRequests.inc({ type: short });
      return;
    }
    if (nonce !== '') this.onAnswer(typeUrl, state, request);
    const subscription = subscriptionOf(
      typeUrl,
      request.resource_names ?? [],
      state.sentNonce === undefined || state.subscription === 'wildcard',
    );
    const changed = !sameSubscription(subscription, state.subscription);
    state.subscription = subscription;
    if (nonce === '' || changed) this.send(typeUrl, { force: true, changeAt: Date.now() });
  }

  /** The store changed: sends each type whose resources, as this client sees them, changed. */
  push(changeAt: number): void {
    for (const type of RESOURCE_TYPES) {
      if (this.types.has(type)) this.send(type, { force: false, changeAt });
    }
  }

  /** Ends the stream with a status; the client reconnects and keeps its resources meanwhile. */
  end(code: status, details: string): void {
    if (this.closed) return;
    this.close();
    this.call.emit('error', { code, details });
  }

  /** Stream over (either side): forget the client. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.infoLabels) this.options.metrics.clientInfo.dec(this.infoLabels);
  }

  status(): ClientStatus {
    const types: ClientStatus['types'] = {};
    for (const [type, s] of this.types) {
      types[TYPE_SHORT[type]] = {
        subscription: s.subscription === 'wildcard' ? 'wildcard' : [...s.subscription].sort(),
        sentVersion: s.sentVersion,
        sentNonce: s.sentNonce,
        ackedVersion: s.ackedVersion,
        nack: s.nack,
      };
    }
    return {
      stream: this.options.id,
      peer: this.call.getPeer(),
      nodeId: this.nodeId,
      cluster: this.node?.cluster ?? '',
      userAgent: userAgent(this.node),
      connectedAt: this.connectedAt.toISOString(),
      types,
    };
  }

  private identify(node: XdsNode): void {
    this.node = node;
    this.infoLabels = {
      node_id: node.id ?? '',
      cluster: node.cluster ?? '',
      user_agent: userAgent(node),
    };
    this.options.metrics.clientInfo.inc(this.infoLabels);
    this.options.log(
      `${this.label}: connected (cluster '${node.cluster ?? ''}', ${userAgent(node) || 'no user agent'})`,
    );
  }

  private onAnswer(type: ResourceType, state: TypeState, request: DiscoveryRequest): void {
    const short = TYPE_SHORT[type];
    const version = state.sentVersion ?? '';
    if (request.error_detail) {
      const message = request.error_detail.message || `code ${request.error_detail.code ?? '?'}`;
      state.nack = {
        version,
        nonce: state.sentNonce ?? '',
        message,
        at: new Date().toISOString(),
      };
      this.options.metrics.nacks.inc({ type: short, node_id: this.nodeId });
      this.options.log(
        `${this.label}: NACK ${short} version ${version}: ${message}; ` +
          `the client keeps version ${state.ackedVersion ?? '(none)'}`,
      );
    } else {
      state.ackedVersion = version;
      state.nack = undefined;
      this.options.metrics.acks.inc({ type: short });
      if (state.changeAt !== undefined) {
        this.options.metrics.pushLatency.observe(
          { type: short },
          (Date.now() - state.changeAt) / 1000,
        );
      }
    }
    state.changeAt = undefined;
  }

  private send(type: ResourceType, how: { force: boolean; changeAt: number }): void {
    const state = this.state(type);
    const selected = this.options.store.select(type, state.subscription);
    const key = viewKey(selected);
    if (!how.force && key === state.sentKey) return;
    const version = this.options.store.version(type);
    const nonce = `${++this.nonce}`;
    state.sentVersion = version;
    state.sentNonce = nonce;
    state.sentKey = key;
    // A newer change replaces the one in flight; the ACK of this response covers both.
    state.changeAt = state.changeAt ?? how.changeAt;
    this.call.write({
      version_info: version,
      resources: selected.map((r) => ({ '@type': type, ...r.resource })),
      type_url: type,
      nonce,
      control_plane: { identifier: this.options.identifier },
    });
    this.options.metrics.pushes.inc({ type: TYPE_SHORT[type] });
  }

  private state(type: ResourceType): TypeState {
    let state = this.types.get(type);
    if (!state) {
      state = {
        subscription: new Set(),
        sentVersion: undefined,
        sentNonce: undefined,
        sentKey: undefined,
        changeAt: undefined,
        ackedVersion: undefined,
        nack: undefined,
      };
      this.types.set(type, state);
    }
    return state;
  }
}

/**
 * The protocol's wildcard rules for LDS and CDS: `*` among the names asks
 * for everything; an empty list does too when it is the first request for
 * the type (legacy wildcard) or the client is in wildcard already. After
 * names, an empty list unsubscribes from everything (grpc-js-xds sends one
 * when its last channel for a target goes away).
 */
function subscriptionOf(
  type: ResourceType,
  names: readonly string[],
  emptyMeansWildcard: boolean,
): Subscription {
  const wildcardType = type === LISTENER_TYPE || type === CLUSTER_TYPE;
  if (wildcardType && (names.includes('*') || (names.length === 0 && emptyMeansWildcard))) {
    return 'wildcard';
  }
  return new Set(names.filter((n) => n !== '*'));
}

function sameSubscription(a: Subscription, b: Subscription): boolean {
  if (a === 'wildcard' || b === 'wildcard') return a === b;
  return a.size === b.size && [...a].every((n) => b.has(n));
}

function userAgent(node: XdsNode | undefined): string {
  if (!node?.user_agent_name) return '';
  const version =
    node.user_agent_version ??
    (node.user_agent_build_version ? JSON.stringify(node.user_agent_build_version) : '');
  return version ? `${node.user_agent_name}/${version}` : node.user_agent_name;
}
