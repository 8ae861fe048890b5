import type { DiscoveryV1Api, KubeConfig, Watch } from '@kubernetes/client-node';
import { kubeconfigSource } from './env.js';
import { DEFAULT_NAMESPACE } from './resolver-target.js';
import type { EndpointSlice } from './slice-merge.js';
import {
  type KubeStatus,
  type SliceList,
  type SliceSource,
  SliceSourceError,
  sliceSourceError,
  type WatchEvent,
} from './slice-source.js';

export interface KubeSliceSourceOptions {
  service: string;
  /** Unset: the kubeconfig context's namespace (in a pod, the pod's own), else `default`. */
  namespace: string | undefined;
  /** A kubeconfig file; unset: KUBECONFIG, in-cluster, ~/.kube/config (env.ts). */
  kubeconfigPath: string | undefined;
  /** Longest wait for a list answer. */
  requestTimeoutMs: number;
  /** Asked of the server per watch, so that watches end and restart now and then. */
  watchTimeoutSeconds: number;
}

interface Loaded {
  api: DiscoveryV1Api;
  watch: Watch;
  namespace: string;
  server: string;
}

/** How long past its own timeout (at most twice it) a watch may stay open before it is given up. */
const WATCHDOG_GRACE_SECONDS = 30;

/** The label the EndpointSlice controller puts on every slice of a Service. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/**
 * EndpointSlices from a real (or Kubernetes-compatible) API server through
 * @kubernetes/client-node, loaded only on first use so that registering the
 * resolver costs a program nothing until it dials a kubernetes: target.
 */
export class KubeSliceSource implements SliceSource {
  private loaded: Loaded | undefined;

  constructor(private readonly options: KubeSliceSourceOptions) {}

  get namespace(): string | undefined {
    return this.loaded?.namespace ?? this.options.namespace;
  }

  /** The API server's URL, once the config is loaded. */
  get server(): string | undefined {
    return this.loaded?.server;
  }

  async list(): Promise<SliceList> {
    const { api, namespace, server } = await this.load();
    const request = api.listNamespacedEndpointSlice({
      namespace,
      labelSelector: `${SERVICE_NAME_LABEL}=${this.options.service}`,
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new SliceSourceError(
              `no answer from the Kubernetes API at ${server} within ${this.options.requestTimeoutMs} ms`,
              'unreachable',
            ),
          ),
        this.options.requestTimeoutMs,
      );
    });
    try {
      const list = await Promise.race([request, timeout]);
      return {
        slices: list.items as EndpointSlice[],
        resourceVersion: list.metadata?.resourceVersion ?? '',
      };
    } catch (error) {
      throw toSourceError(error, 'list', namespace, server);
    } finally {
      clearTimeout(timer);
      // A late rejection after the timeout must not go unhandled.
      request.catch(() => {});
    }
  }

  watch(
    resourceVersion: string,
    onEvent: (event: WatchEvent) => void,
    onEnd: (error?: SliceSourceError) => void,
  ): { stop(): void } {
    let stopped = false;
    let controller: AbortController | undefined;
    // The server ends every watch after timeoutSeconds; one still open well
    // past that is on a connection that died without a word (no FIN, no
    // RST), which TCP keepalive would take minutes more to notice.
    const watchdog = setTimeout(
      () => {
        end(
          new SliceSourceError(
            `the watch outlived its ${this.options.watchTimeoutSeconds} s timeout: the connection is presumed dead`,
            'timeout',
          ),
        );
        controller?.abort();
      },
      (this.options.watchTimeoutSeconds +
        Math.min(this.options.watchTimeoutSeconds, WATCHDOG_GRACE_SECONDS)) *
        1000,
    );
    watchdog.unref();
    const end = (error?: SliceSourceError) => {
      clearTimeout(watchdog);
      if (stopped) return;
      stopped = true;
      onEnd(error);
    };
    this.load()
      .then(({ watch, namespace, server }) => {
        if (stopped) return;
        const path = `/apis/discovery.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/endpointslices`;
        return watch
          .watch(
            path,
            {
              labelSelector: `${SERVICE_NAME_LABEL}=${this.options.service}`,
              resourceVersion,
              allowWatchBookmarks: true,
              timeoutSeconds: this.options.watchTimeoutSeconds,
            },
            (type: string, object: unknown) => {
              if (stopped) return;
              if (type === 'ERROR') onEvent({ type, object: (object ?? {}) as KubeStatus });
              else if (
                type === 'ADDED' ||
                type === 'MODIFIED' ||
                type === 'DELETED' ||
                type === 'BOOKMARK'
              ) {
                onEvent({ type, object: (object ?? {}) as EndpointSlice });
              }
            },
            (error: unknown) =>
              end(error ? toSourceError(error, 'watch', namespace, server) : undefined),
          )
          .then((started) => {
            controller = started;
            if (stopped) started.abort();
          });
      })
      .catch((error: unknown) => end(toSourceError(error, 'watch', this.namespace ?? '?', '?')));
    return {
      stop() {
        stopped = true;
        clearTimeout(watchdog);
        controller?.abort();
      },
    };
  }

  private async load(): Promise<Loaded> {
    if (this.loaded) return this.loaded;
    const source = kubeconfigSource();
    const path = this.options.kubeconfigPath;
    if (path === undefined && source.kind === 'none') {
      throw new SliceSourceError(`no Kubernetes config: ${source.from}`, 'config');
    }
    const k8s = await import('@kubernetes/client-node');
    const kc = new k8s.KubeConfig();
    const from = path ?? source.from;
    try {
      if (path !== undefined) kc.loadFromFile(path);
      else if (source.kind === 'in-cluster') kc.loadFromCluster();
      else if (source.kind === 'files') loadFiles(kc, source.paths, k8s.KubeConfig);
    } catch (error) {
      throw new SliceSourceError(
        `cannot load the Kubernetes config from ${from}: ${(error as Error).message}`,
        'config',
      );
    }
    // kubectl talks plain HTTP to an http:// server; client-node 1.x refuses
    // unless TLS checks are off. With no TLS there is nothing to check, so
    // turning them off changes nothing but the refusal.
    kc.clusters = kc.clusters.map((cluster) =>
      cluster.server.startsWith('http:') ? { ...cluster, skipTLSVerify: true } : cluster,
    );
    const server = kc.getCurrentCluster()?.server;
    if (!server) {
      throw new SliceSourceError(
        `the Kubernetes config from ${from} has no current cluster`,
        'config',
      );
    }
    const contextNamespace = kc.getContextObject(kc.getCurrentContext())?.namespace;
    this.loaded = {
      api: kc.makeApiClient(k8s.DiscoveryV1Api),
      watch: new k8s.Watch(kc),
      namespace: this.options.namespace ?? (contextNamespace || DEFAULT_NAMESPACE),
      server,
    };
    return this.loaded;
  }
}

function loadFiles(kc: KubeConfig, paths: string[], Config: new () => KubeConfig): void {
  const [first, ...rest] = paths;
  if (first) kc.loadFromFile(first);
  for (const path of rest) {
    const other = new Config();
    other.loadFromFile(path);
    kc.mergeConfig(other);
  }
}

/**
 * client-node reports a failed list as an ApiException (`code`, `body` as
 * the Status JSON text), a failed watch as an Error with `statusCode` (no
 * body), and a network failure as a node-fetch FetchError whose `code` is
 * the errno name.
 */
function toSourceError(
  error: unknown,
  verb: 'list' | 'watch',
  namespace: string,
  server: string,
): SliceSourceError {
  if (error instanceof SliceSourceError) return error;
  const e = error as {
    code?: unknown;
    statusCode?: unknown;
    body?: unknown;
    name?: string;
    message?: string;
    cause?: { code?: string; message?: string };
  };
  const status =
    typeof e.statusCode === 'number'
      ? e.statusCode
      : typeof e.code === 'number'
        ? e.code
        : undefined;
  if (status !== undefined) return sliceSourceError(verb, namespace, status, statusMessage(e.body));
  if (e.name === 'TimeoutError') {
    return new SliceSourceError(`${verb}: no data from ${server} for a while`, 'timeout');
  }
  const errno = typeof e.code === 'string' ? e.code : undefined;
  const cause = e.cause?.code ?? errno ?? e.cause?.message ?? e.message ?? String(error);
  return new SliceSourceError(
    `cannot reach the Kubernetes API at ${server} to ${verb} endpointslices: ${cause}`,
    'unreachable',
  );
}

function statusMessage(body: unknown): string | undefined {
  if (typeof body === 'string') {
    try {
      return statusMessage(JSON.parse(body));
    } catch {
      return body.trim().slice(0, 300) || undefined;
    }
  }
  if (body && typeof body === 'object' && 'message' in body) {
    const message = (body as { message?: unknown }).message;
    return typeof message === 'string' ? message : undefined;
  }
  return undefined;
}
