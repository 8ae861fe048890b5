import { type ChannelOptions, experimental, logVerbosity, status } from '@grpc/grpc-js';
import {
  describeTarget,
  KUBERNETES_SCHEME,
  type KubernetesTarget,
  parseKubernetesTarget,
  targetAuthority,
} from './resolver-target.js';
import { mergeSlices } from './slice-merge.js';
import type { SliceSource } from './slice-source.js';
import { KubeSliceSource } from './slice-source-kube.js';
import { type SliceUpdate, SliceWatcher } from './slice-watcher.js';

/** The type name: the target scheme this resolver serves. */
export const KUBERNETES_RESOLVER_TYPE = KUBERNETES_SCHEME;

/** grpc-js tracer name: `GRPC_TRACE=kubernetes_resolver`. */
export const KUBERNETES_RESOLVER_TRACER = 'kubernetes_resolver';

/** Channel option holding this resolver's config, as JSON text or an object. */
export const KUBERNETES_RESOLVER_CONFIG_OPTION = 'lab.kubernetes_resolver_config';

export interface KubernetesResolverConfig {
  /** A kubeconfig file; unset: KUBECONFIG, else in-cluster, else ~/.kube/config. */
  kubeconfig?: string | undefined;
  /** Full re-list period even when the watch is healthy (kuberesolver: 30 min). */
  resyncMs: number;
  /** First wait after a failed list or watch; it grows 1.6× per failure... */
  backoffInitialMs: number;
  /** ...up to this (kuberesolver: 1 s to 30 s). */
  backoffMaxMs: number;
  /** Longest wait for a list answer. */
  requestTimeoutMs: number;
  /** Server-side watch timeout; the watch then restarts from its resourceVersion. */
  watchTimeoutSeconds: number;
}

export const DEFAULT_KUBERNETES_RESOLVER_CONFIG: Readonly<KubernetesResolverConfig> = {
  resyncMs: 30 * 60_000,
  backoffInitialMs: 1000,
  backoffMaxMs: 30_000,
  requestTimeoutMs: 10_000,
  watchTimeoutSeconds: 300,
};

const NUMBER_KEYS = [
  'resyncMs',
  'backoffInitialMs',
  'backoffMaxMs',
  'requestTimeoutMs',
  'watchTimeoutSeconds',
] as const;

/**
 * Parses the config from JSON (text or parsed), over `base`. An unknown key
 * or a bad value throws, naming it, so that a typo is not silently ignored.
 */
export function parseKubernetesResolverConfig(
  json: unknown,
  base: Readonly<KubernetesResolverConfig> = DEFAULT_KUBERNETES_RESOLVER_CONFIG,
): KubernetesResolverConfig {
  const where = 'kubernetes resolver config';
  let value = json;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch (error) {
      throw new Error(`${where}: not JSON: ${(error as Error).message}`);
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${where}: expected an object`);
  }
  const config: KubernetesResolverConfig = { ...base };
  for (const [key, v] of Object.entries(value)) {
    if (key === 'kubeconfig') {
      if (typeof v !== 'string' || v === '') throw new Error(`${where}: kubeconfig must be a path`);
      config.kubeconfig = v;
    } else if ((NUMBER_KEYS as readonly string[]).includes(key)) {
      if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
        throw new Error(`${where}: ${key} must be a positive number, not ${JSON.stringify(v)}`);
      }
      config[key as (typeof NUMBER_KEYS)[number]] = v;
    } else {
      throw new Error(
        `${where}: unknown key '${key}' (known: kubeconfig, ${NUMBER_KEYS.join(', ')})`,
      );
    }
  }
  if (config.backoffMaxMs < config.backoffInitialMs) {
    throw new Error(`${where}: backoffMaxMs is less than backoffInitialMs`);
  }
  return config;
}

export interface KubernetesResolverDeps {
  createSource(target: KubernetesTarget, config: KubernetesResolverConfig): SliceSource;
  trace(severity: 'debug' | 'error', text: string): void;
}

const defaultDeps: KubernetesResolverDeps = {
  createSource: (target, config) =>
    new KubeSliceSource({
      service: target.service,
      namespace: target.namespace,
      kubeconfigPath: config.kubeconfig,
      requestTimeoutMs: config.requestTimeoutMs,
      watchTimeoutSeconds: config.watchTimeoutSeconds,
    }),
  trace: (severity, text) =>
    experimental.trace(
      severity === 'error' ? logVerbosity.ERROR : logVerbosity.DEBUG,
      KUBERNETES_RESOLVER_TRACER,
      text,
    ),
};

let configDefaults: Readonly<KubernetesResolverConfig> = DEFAULT_KUBERNETES_RESOLVER_CONFIG;

/**
 * `kubernetes:` targets for grpc-js: lists, then watches, the Service's
 * EndpointSlices and hands grpc-js the endpoints to use. See README.md for
 * the rules; the short version: all slices merged, Ready endpoints only
 * (serving terminating ones when none is Ready), an empty list plus a clear
 * UNAVAILABLE when there is nothing to use, and the last list kept while the
 * API cannot be reached.
 */
export class KubernetesResolver implements experimental.Resolver {
  private readonly target: KubernetesTarget;
  private readonly config: KubernetesResolverConfig;
  private source: SliceSource | undefined;
  private watcher: SliceWatcher | undefined;
  /** What grpc-js last got from the API: nothing yet, endpoints, or a definite "none". */
  private delivered: 'nothing' | 'endpoints' | 'none' = 'nothing';
  private lastDelivery: string | undefined;

  constructor(
    uri: experimental.GrpcUri,
    private readonly listener: experimental.ResolverListener,
    options: ChannelOptions,
    private readonly deps: KubernetesResolverDeps = defaultDeps,
  ) {
    this.target = parseKubernetesTarget(uri);
    this.config = parseKubernetesResolverConfig(
      options[KUBERNETES_RESOLVER_CONFIG_OPTION] ?? {},
      configDefaults,
    );
  }

  static getDefaultAuthority(uri: experimental.GrpcUri): string {
    return targetAuthority(parseKubernetesTarget(uri));
  }

  /**
   * Starts the list and watch the first time. While the watch runs, a
   * request to resolve again has nothing to add: changes arrive on their
   * own, and retries after failures follow the watcher's backoff.
   */
  updateResolution(): void {
    if (this.watcher) return;
    const source = this.deps.createSource(this.target, this.config);
    this.source = source;
    this.watcher = new SliceWatcher(
      source,
      {
        resyncMs: this.config.resyncMs,
        backoff: { initialMs: this.config.backoffInitialMs, maxMs: this.config.backoffMaxMs },
      },
      (update) => this.onUpdate(update),
      (text) => this.trace('debug', text),
    );
    this.watcher.start();
  }

  destroy(): void {
    this.watcher?.stop();
    this.watcher = undefined;
    this.source = undefined;
    this.delivered = 'nothing';
    this.lastDelivery = undefined;
  }

  private get name(): string {
    return describeTarget(this.target, this.source?.namespace);
  }

  private trace(severity: 'debug' | 'error', text: string): void {
    this.deps.trace(severity, `${this.name}: ${text}`);
  }

  private onUpdate(update: SliceUpdate): void {
    if (update.kind === 'failure') {
      this.onFailure(update.error.message, update.retryInMs);
      return;
    }
    const service = `${this.source?.namespace ?? this.target.namespace}/${this.target.service}`;
    const merged = mergeSlices(update.slices, this.target.port, service);
    this.trace('debug', `${update.cause}: ${merged.summary}`);
    const delivery = JSON.stringify([merged.endpoints.map((e) => e.addresses), merged.problem]);
    if (delivery === this.lastDelivery) return;
    this.lastDelivery = delivery;
    if (merged.endpoints.length > 0) {
      this.delivered = 'endpoints';
      this.listener(
        experimental.statusOrFromValue(
          merged.endpoints.map((endpoint) => ({ addresses: endpoint.addresses })),
        ),
        {},
        null,
        `kubernetes resolver: ${merged.summary}`,
      );
      return;
    }
    const details = `kubernetes resolver: ${merged.problem}`;
    this.delivered = 'none';
    // Both calls are needed: a policy keeps its old addresses when it gets
    // only an error, so the empty list drops them; with no addresses left it
    // then shows the error, which says why, as the calls' status.
    this.listener(experimental.statusOrFromValue([]), {}, null, details);
    this.listener(
      experimental.statusOrFromError({ code: status.UNAVAILABLE, details }),
      {},
      null,
      details,
    );
  }

  private onFailure(message: string, retryInMs: number): void {
    const text = `${message}; retrying in ${(retryInMs / 1000).toFixed(1)} s`;
    // Addresses are worth keeping while the API is away; an empty list is
    // not, and the failure says more than "no endpoints" would.
    if (this.delivered === 'endpoints') {
      this.trace('error', `${text}; keeping the last list`);
      return;
    }
    this.trace('error', text);
    const details = `kubernetes resolver: ${this.name}: ${text}`;
    this.lastDelivery = undefined;
    this.listener(
      experimental.statusOrFromError({ code: status.UNAVAILABLE, details }),
      {},
      null,
      details,
    );
  }
}

/**
 * Registers the resolver for `kubernetes:` targets. `defaults` (the config,
 * as JSON text or an object) applies to every channel that does not set
 * KUBERNETES_RESOLVER_CONFIG_OPTION itself.
 */
export function setup(defaults?: unknown): void {
  configDefaults =
    defaults === undefined
      ? DEFAULT_KUBERNETES_RESOLVER_CONFIG
      : parseKubernetesResolverConfig(defaults);
  experimental.registerResolver(KUBERNETES_RESOLVER_TYPE, KubernetesResolver);
}
