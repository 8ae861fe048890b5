import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import { UsageError } from '@lab/cli';
import { type LoadBalancerHandlers, loadGrpclbProto } from '@lab/proto';
import {
  DEFAULT_KUBERNETES_RESOLVER_CONFIG,
  KubeSliceSource,
  type SliceSource,
} from '@lab/resolver-kubernetes';
import { bindGrpc, listenHttp } from '@lab/server-kit';
import { HealthImplementation } from 'grpc-health-check';
import { handleBalanceLoad } from './balance-load.js';
import { ClientStatsBook, type ClientTotals } from './client-stats.js';
import { type DropRule, parseDropRule } from './drop-rules.js';
import { type GrpclbServerEnv, readEnv } from './env.js';
import { type BalancerMetrics, createMetrics } from './metrics.js';
import { createHttpServer } from './server-http.js';
import { ServiceWatches } from './service-watches.js';

export const LOAD_BALANCER_SERVICE = 'grpc.lb.v1.LoadBalancer';
export const DEFAULT_GRPC_PORT = 9000;
export const DEFAULT_HTTP_PORT = 9090;
/** What the original "dummy" balancer asked for, and a common choice. */
export const DEFAULT_STATS_INTERVAL_MS = 10_000;
export const DEFAULT_WATCH_LINGER_MS = 30_000;
export const DEFAULT_SHUTDOWN_GRACE_MS = 10_000;

/** How the EndpointSlice watches behave; the resolver's defaults unless set. */
export interface KubeWatchSettings {
  resyncMs: number;
  backoffInitialMs: number;
  backoffMaxMs: number;
  requestTimeoutMs: number;
  watchTimeoutSeconds: number;
}

export interface GrpclbServerOptions {
  bind: string;
  /** 0 picks a free port; `start()` returns the ones bound. */
  grpcPort: number;
  httpPort: number;
  /** Namespace of names that carry none; default: POD_NAMESPACE, else `default`. */
  namespace?: string | undefined;
  /** A kubeconfig file; default: KUBECONFIG, else in-cluster, else ~/.kube/config. */
  kubeconfig?: string | undefined;
  /** client_stats_report_interval in the initial response; 0 asks for no reports. */
  statsIntervalMs?: number | undefined;
  /** Drop rules, `<service>=<percent>[:<token>]` each. */
  drops?: readonly string[] | undefined;
  watchLingerMs?: number | undefined;
  kube?: Partial<KubeWatchSettings> | undefined;
  shutdownGraceMs?: number | undefined;
  env?: GrpclbServerEnv | undefined;
  log?: ((message: string) => void) | undefined;
  /** Where slices come from; default: the Kubernetes API through client-node. */
  createSource?: ((service: string, namespace: string) => SliceSource) | undefined;
}

export interface BoundPorts {
  grpcPort: number;
  httpPort: number;
}

export interface GrpclbServer {
  /** The namespace of names that carry none. */
  readonly namespace: string;
  readonly metrics: BalancerMetrics;
  start(): Promise<BoundPorts>;
  /**
   * Readiness and health turn false, open streams end with UNAVAILABLE (a
   * client then reconnects, to another replica behind the same name), the
   * server stops; 'forced' when the grace period ran out first.
   */
  shutdown(): Promise<'graceful' | 'forced'>;
  forceClose(): void;
  /** What each client has reported, summed. */
  clients(): ClientTotals[];
}

export function createGrpclbServer(options: GrpclbServerOptions): GrpclbServer {
  const log = options.log ?? (() => {});
  const env = options.env ?? readEnv();
  const namespace = options.namespace ?? env.podNamespace ?? 'default';
  const drops = new Map<string, DropRule>();
  for (const text of options.drops ?? []) {
    let rule: DropRule;
    try {
      rule = parseDropRule(text, namespace);
    } catch (error) {
      throw new UsageError(`--drop ${(error as Error).message}`);
    }
    drops.set(rule.key, rule);
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
  let watchCount = () => 0;
  const metrics = createMetrics(() => watchCount());
  const clients = new ClientStatsBook(metrics);
  const watches = new ServiceWatches({
    createSource,
    watcher: {
      resyncMs: kube.resyncMs,
      backoff: { initialMs: kube.backoffInitialMs, maxMs: kube.backoffMaxMs },
    },
    lingerMs: options.watchLingerMs ?? DEFAULT_WATCH_LINGER_MS,
    log,
    onFailure: (key) => metrics.kubeFailures.inc({ service: key }),
  });
  watchCount = () => watches.size;
  const streams = new Set<() => void>();
  let draining = false;
  metrics.ready.set(1);

  const grpcServer = new grpc.Server();
  const handlers: LoadBalancerHandlers = {
    BalanceLoad: (call) =>
      handleBalanceLoad(call, {
        defaultNamespace: namespace,
        statsIntervalMs: options.statsIntervalMs ?? DEFAULT_STATS_INTERVAL_MS,
        watches,
        dropFor: (key) => drops.get(key),
        metrics,
        clients,
        log,
        track: (end) => {
          if (draining) queueMicrotask(end);
          streams.add(end);
          return () => streams.delete(end);
        },
      }),
  };
  grpcServer.addService(loadGrpclbProto().grpc.lb.v1.LoadBalancer.service, handlers);
  const health = new HealthImplementation({ '': 'SERVING', [LOAD_BALANCER_SERVICE]: 'SERVING' });
  health.addToServer(grpcServer);
  const httpServer = createHttpServer(metrics.registry, () => draining);
  let shuttingDown: Promise<'graceful' | 'forced'> | undefined;

  const forceClose = () => {
    watches.stopAll();
    grpcServer.forceShutdown();
    httpServer.closeAllConnections();
    httpServer.close();
  };

  return {
    namespace,
    metrics,
    async start() {
      const grpcPort = await bindGrpc(grpcServer, options.bind, options.grpcPort);
      try {
        await listenHttp(httpServer, options.bind, options.httpPort);
      } catch (error) {
        grpcServer.forceShutdown();
        throw error;
      }
      const httpPort = (httpServer.address() as AddressInfo).port;
      if (drops.size > 0) {
        const rules = [...drops.values()].map((r) => `${r.key} ${r.percent}% as '${r.token}'`);
        log(`drop rules: ${rules.join(', ')}`);
      }
      return { grpcPort, httpPort };
    },
    shutdown() {
      shuttingDown ??= (async () => {
        draining = true;
        metrics.ready.set(0);
        health.setStatus('', 'NOT_SERVING');
        health.setStatus(LOAD_BALANCER_SERVICE, 'NOT_SERVING');
        log(`draining: ending ${streams.size} stream(s)`);
        for (const end of [...streams]) end();
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
        watches.stopAll();
        if (outcome === 'forced') {
          log(`grace period of ${graceMs} ms ran out: cutting what is left`);
          forceClose();
        }
        return outcome;
      })();
      return shuttingDown;
    },
    forceClose,
    clients: () => clients.all(),
  };
}
