import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import { UsageError } from '@lab/cli';
import {
  DEFAULT_KUBERNETES_RESOLVER_CONFIG,
  type EndpointSlice,
  KubeSliceSource,
  type SliceSource,
  SliceWatcher,
} from '@lab/resolver-kubernetes';
import { bindGrpc, listenHttp } from '@lab/server-kit';
import { HealthImplementation } from 'grpc-health-check';
import { AdsConnection, type ClientStatus } from './ads-stream.js';
import { DEFAULT_DEBOUNCE_MAX_MS, DEFAULT_DEBOUNCE_MS, Debouncer } from './debounce.js';
import { readEnv, type XdsServerEnv } from './env.js';
import { createMetrics, type XdsMetrics } from './metrics.js';
import { ResourceStore } from './resource-store.js';
import { DEFAULT_LB_POLICY, type LbPolicy, serviceResources } from './resources.js';
import { createHttpServer } from './server-http.js';
import {
  DEFAULT_CLUSTER_DOMAIN,
  DEFAULT_ENVOY_BASE_PORT,
  parseServiceSpec,
  type ServiceSpec,
  ServiceSpecError,
} from './service-spec.js';
import {
  ADS_SERVICE_NAME,
  type AdsHandlers,
  adsServiceDefinition,
  CLUSTER_TYPE,
  ENDPOINT_TYPE,
  LISTENER_TYPE,
  RESOURCE_TYPES,
  ROUTE_TYPE,
  TYPE_SHORT,
  type XdsResource,
} from './xds-protos.js';

/** go-control-plane's example port, the one most xDS walkthroughs use. */
export const DEFAULT_GRPC_PORT = 18_000;
export const DEFAULT_HTTP_PORT = 18_080;
export const DEFAULT_SHUTDOWN_GRACE_MS = 10_000;

/** How the EndpointSlice watches behave; the resolver's defaults unless set. */
export interface KubeWatchSettings {
  resyncMs: number;
  backoffInitialMs: number;
  backoffMaxMs: number;
  requestTimeoutMs: number;
  watchTimeoutSeconds: number;
}

export interface XdsServerOptions {
  bind: string;
  /** 0 picks a free port; `start()` returns the ones bound. */
  grpcPort: number;
  httpPort: number;
  /** The Services served, `service[.namespace][:port|:port-name]` each. */
  services: readonly string[];
  /** Namespace of services that name none; default: POD_NAMESPACE, else `default`. */
  namespace?: string | undefined;
  /** A kubeconfig file; default: KUBECONFIG, else in-cluster, else ~/.kube/config. */
  kubeconfig?: string | undefined;
  /** Quiet time before endpoint changes are pushed (Istio's PILOT_DEBOUNCE_AFTER); 0 pushes each at once. */
  debounceMs?: number | undefined;
  /** Longest a burst of changes is held back (Istio's PILOT_DEBOUNCE_MAX). */
  debounceMaxMs?: number | undefined;
  /** The Clusters' lb_policy at start. */
  lbPolicy?: LbPolicy | undefined;
  /** The Envoy listener of the first Service; the next Service gets the next port. */
  envoyBasePort?: number | undefined;
  /** The address Envoy listeners bind. */
  envoyBindAddress?: string | undefined;
  clusterDomain?: string | undefined;
  kube?: Partial<KubeWatchSettings> | undefined;
  shutdownGraceMs?: number | undefined;
  env?: XdsServerEnv | undefined;
  log?: ((message: string) => void) | undefined;
  /** Where slices come from; default: the Kubernetes API through client-node. */
  createSource?: ((service: string, namespace: string) => SliceSource) | undefined;
}

export interface BoundPorts {
  grpcPort: number;
  httpPort: number;
}

export interface ConfigDump {
  controlPlane: string;
  versions: Record<'LDS' | 'RDS' | 'CDS' | 'EDS', string>;
  resources: Record<'LDS' | 'RDS' | 'CDS' | 'EDS', { version: string; resource: XdsResource }[]>;
  services: {
    service: string;
    cluster: string;
    lbPolicy: LbPolicy;
    listed: boolean;
    failure: string | undefined;
  }[];
  clients: ClientStatus[];
}

export interface XdsServer {
  readonly namespace: string;
  readonly services: readonly ServiceSpec[];
  readonly metrics: XdsMetrics;
  start(): Promise<BoundPorts>;
  /** Health and readiness turn false, streams end with UNAVAILABLE, the server stops. */
  shutdown(): Promise<'graceful' | 'forced'>;
  forceClose(): void;
  configDump(): ConfigDump;
  /** Sets lb_policy on one Cluster (by name) or on all; pushed at once. Returns the Clusters changed. */
  setLbPolicy(policy: LbPolicy, cluster?: string): string[];
  /** Pushes pending endpoint changes now instead of after the debounce. */
  flush(): void;
}

interface ServiceState {
  spec: ServiceSpec;
  watcher: SliceWatcher;
  slices: EndpointSlice[] | undefined;
  failure: string | undefined;
  lbPolicy: LbPolicy;
}

export function createXdsServer(options: XdsServerOptions): XdsServer {
  const log = options.log ?? (() => {});
  const env = options.env ?? readEnv();
  const namespace = options.namespace ?? env.podNamespace ?? 'default';
  const identifier = env.podName ?? `xds-server@${hostname()}`;
  if (options.services.length === 0) throw new UsageError('no --service to serve');
  const basePort = options.envoyBasePort ?? DEFAULT_ENVOY_BASE_PORT;
  const envoyBindAddress = options.envoyBindAddress ?? '0.0.0.0';
  const specs: ServiceSpec[] = options.services.map((text, index) => {
    try {
      return parseServiceSpec(text, {
        defaultNamespace: namespace,
        envoyPort: basePort + index,
        envoyAddress: envoyBindAddress,
        clusterDomain: options.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN,
      });
    } catch (error) {
      if (error instanceof ServiceSpecError) throw new UsageError(`--service ${error.message}`);
      throw error;
    }
  });
  const seen = new Set<string>();
  for (const spec of specs) {
    if (seen.has(spec.clusterName)) throw new UsageError(`--service ${spec.clusterName} twice`);
    seen.add(spec.clusterName);
  }
  const kube: KubeWatchSettings = { ...DEFAULT_KUBERNETES_RESOLVER_CONFIG, ...options.kube };
  const createSource =
    options.createSource ??
    ((service: string, ns: string) =>
      new KubeSliceSource({
        service,
        namespace: ns,
        kubeconfigPath: options.kubeconfig,
        requestTimeoutMs: kube.requestTimeoutMs,
        watchTimeoutSeconds: kube.watchTimeoutSeconds,
      }));
  const metrics = createMetrics();
  const store = new ResourceStore();
  const connections = new Set<AdsConnection>();
  let streamIds = 0;
  let draining = false;
  let started = false;

  const rebuild = (changeAt: number) => {
    const byType = new Map<string, { resource: XdsResource; wildcard: boolean }[]>(
      RESOURCE_TYPES.map((type) => [type, []]),
    );
    for (const state of services) {
      const built = serviceResources(state.spec, state.slices ?? [], {
        lbPolicy: state.lbPolicy,
        envoyBindAddress,
      });
      byType.get(LISTENER_TYPE)!.push(...built.listeners);
      byType.get(ROUTE_TYPE)!.push({ resource: built.route, wildcard: true });
      byType.get(CLUSTER_TYPE)!.push({ resource: built.cluster, wildcard: true });
      // Until the first list, no assignment: an empty one would fail every
      // call, while a missing one makes clients wait (their initial fetch timeout).
      if (state.slices !== undefined) {
        byType.get(ENDPOINT_TYPE)!.push({ resource: built.assignment, wildcard: true });
        for (const health of ['HEALTHY', 'DRAINING', 'UNHEALTHY'] as const) {
          const count = built.localities.reduce(
            (sum, l) => sum + l.endpoints.filter((e) => e.health === health).length,
            0,
          );
          metrics.endpoints.set({ cluster: state.spec.clusterName, health }, count);
        }
      }
    }
    const changed: string[] = [];
    for (const type of RESOURCE_TYPES) {
      const entries = byType.get(type)!;
      if (store.replace(type, entries)) changed.push(`${TYPE_SHORT[type]} v${store.version(type)}`);
      metrics.resources.set({ type: TYPE_SHORT[type] }, entries.length);
    }
    if (changed.length === 0) return;
    log(`resources changed: ${changed.join(', ')}; pushing to ${connections.size} client(s)`);
    for (const connection of connections) connection.push(changeAt);
  };

  const debouncer = new Debouncer(
    options.debounceMs ?? DEFAULT_DEBOUNCE_MS,
    options.debounceMaxMs ?? DEFAULT_DEBOUNCE_MAX_MS,
    (firstAt) => rebuild(firstAt),
  );

  const services: ServiceState[] = specs.map((spec) => {
    const state: ServiceState = {
      spec,
      slices: undefined,
      failure: undefined,
      lbPolicy: options.lbPolicy ?? DEFAULT_LB_POLICY,
      watcher: new SliceWatcher(
        createSource(spec.service, spec.namespace),
        {
          resyncMs: kube.resyncMs,
          backoff: { initialMs: kube.backoffInitialMs, maxMs: kube.backoffMaxMs },
        },
        (update) => {
          if (update.kind === 'failure') {
            state.failure = update.error.message;
            metrics.kubeFailures.inc({ service: spec.key });
            log(
              `${spec.key}: ${update.error.message}; retrying in ${(update.retryInMs / 1000).toFixed(1)} s; ` +
                (state.slices === undefined
                  ? 'no list yet: its EDS resource is not served'
                  : 'keeping the last endpoints'),
            );
            return;
          }
          const first = state.slices === undefined;
          state.slices = update.slices;
          state.failure = undefined;
          if (first) {
            log(`${spec.key}: listed ${update.slices.length} EndpointSlice(s)`);
            updateHealth();
          }
          debouncer.trigger();
        },
      ),
    };
    return state;
  });

  const grpcServer = new grpc.Server();
  const handlers: AdsHandlers = {
    StreamAggregatedResources: (call) => {
      if (draining) {
        call.emit('error', {
          code: grpc.status.UNAVAILABLE,
          details: 'xds-server is shutting down',
        });
        return;
      }
      const connection = new AdsConnection(call, {
        id: ++streamIds,
        store,
        metrics,
        log,
        identifier,
      });
      connections.add(connection);
      metrics.streams.inc();
      metrics.clientsConnected.inc();
      let gone = false;
      const cleanup = (why: string) => {
        if (gone) return;
        gone = true;
        connections.delete(connection);
        metrics.clientsConnected.dec();
        connection.close();
        log(`${connection.label}: ${why}`);
      };
      call.on('data', (request) => connection.onRequest(request));
      call.on('end', () => {
        cleanup('closed by the client');
        call.end();
      });
      call.on('cancelled', () => cleanup('cancelled'));
      call.on('error', (error) => cleanup(`error: ${error.message}`));
    },
    DeltaAggregatedResources: (call) => {
      call.emit('error', {
        code: grpc.status.UNIMPLEMENTED,
        details: 'xds-server serves state-of-the-world ADS only (no delta xDS)',
      });
    },
  };
  grpcServer.addService(adsServiceDefinition(), handlers);
  const health = new HealthImplementation({ '': 'NOT_SERVING', [ADS_SERVICE_NAME]: 'NOT_SERVING' });
  health.addToServer(grpcServer);
  const isReady = () => !draining && services.every((s) => s.slices !== undefined);
  const updateHealth = () => {
    const serving = isReady() ? 'SERVING' : 'NOT_SERVING';
    health.setStatus('', serving);
    health.setStatus(ADS_SERVICE_NAME, serving);
    metrics.ready.set(isReady() ? 1 : 0);
  };

  const configDump = (): ConfigDump => {
    const versions = {} as ConfigDump['versions'];
    const resources = {} as ConfigDump['resources'];
    for (const type of RESOURCE_TYPES) {
      versions[TYPE_SHORT[type]] = store.version(type);
      resources[TYPE_SHORT[type]] = store
        .all(type)
        .map((r) => ({ version: `${r.version}`, resource: r.resource }));
    }
    return {
      controlPlane: identifier,
      versions,
      resources,
      services: services.map((s) => ({
        service: s.spec.key,
        cluster: s.spec.clusterName,
        lbPolicy: s.lbPolicy,
        listed: s.slices !== undefined,
        failure: s.failure,
      })),
      clients: [...connections].map((c) => c.status()),
    };
  };

  const setLbPolicy = (policy: LbPolicy, clusterName?: string): string[] => {
    const chosen = services.filter((s) => !clusterName || s.spec.clusterName === clusterName);
    for (const s of chosen) s.lbPolicy = policy;
    if (chosen.length > 0) {
      log(`lb_policy ${policy} on ${chosen.map((s) => s.spec.clusterName).join(', ')}`);
      rebuild(Date.now());
    }
    return chosen.map((s) => s.spec.clusterName);
  };

  const httpServer = createHttpServer({
    registry: metrics.registry,
    isDraining: () => !isReady(),
    configDump,
    setLbPolicy,
  });
  let shuttingDown: Promise<'graceful' | 'forced'> | undefined;

  const stopWatches = () => {
    debouncer.cancel();
    for (const s of services) s.watcher.stop();
  };
  const forceClose = () => {
    stopWatches();
    grpcServer.forceShutdown();
    httpServer.closeAllConnections();
    httpServer.close();
  };

  return {
    namespace,
    services: specs,
    metrics,
    async start() {
      if (started) throw new Error('xds-server already started');
      started = true;
      const grpcPort = await bindGrpc(grpcServer, options.bind, options.grpcPort);
      try {
        await listenHttp(httpServer, options.bind, options.httpPort);
      } catch (error) {
        grpcServer.forceShutdown();
        throw error;
      }
      const httpPort = (httpServer.address() as AddressInfo).port;
      // Listeners, routes and clusters need no Kubernetes answer: serve them at once.
      rebuild(Date.now());
      for (const s of services) s.watcher.start();
      return { grpcPort, httpPort };
    },
    shutdown() {
      shuttingDown ??= (async () => {
        draining = true;
        updateHealth();
        log(`draining: ending ${connections.size} stream(s)`);
        for (const connection of [...connections]) {
          connection.end(grpc.status.UNAVAILABLE, 'xds-server is shutting down');
        }
        const graceMs = options.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS;
        const deadline = sleep(graceMs, undefined, { ref: false }).then(() => 'forced' as const);
        const graceful = Promise.all([
          new Promise<void>((resolve) => grpcServer.tryShutdown(() => resolve())),
          new Promise<void>((resolve) => {
            httpServer.close(() => resolve());
            httpServer.closeIdleConnections();
          }),
        ]).then(() => 'graceful' as const);
        const outcome = await Promise.race([graceful, deadline]);
        stopWatches();
        if (outcome === 'forced') {
          log(`grace period of ${graceMs} ms ran out: cutting what is left`);
          forceClose();
        }
        return outcome;
      })();
      return shuttingDown;
    },
    forceClose,
    configDump,
    setLbPolicy,
    flush: () => debouncer.flush(),
  };
}
