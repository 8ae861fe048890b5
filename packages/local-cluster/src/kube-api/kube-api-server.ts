import { writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { updateDeployment } from './kube-deployment-update.js';
import {
  aggregatedContentType,
  aggregatedDiscovery,
  aggregatedDiscoveryWanted,
  apiGroup,
  apiGroupList,
  apiResourceList,
  apiVersions,
  SERVER_VERSION,
} from './kube-discovery.js';
import { listObjects, parseListQuery } from './kube-list.js';
import { type KubeObject, kubeTime } from './kube-object.js';
import { RESOURCES } from './kube-resources.js';
import {
  acceptsJson,
  type ResourceRequest,
  resolveResource,
  splitPath,
  wantsPretty,
} from './kube-request.js';
import { toScale } from './kube-scale.js';
import {
  ApiError,
  forbidden,
  internalError,
  type KubeStatus,
  methodNotAllowed,
  notAcceptable,
  notFound,
  pathNotFound,
} from './kube-status.js';
import type { KubeStore } from './kube-store.js';
import { type IncludeObject, toTable, wantsTable } from './kube-table.js';
import { KubeWatch } from './kube-watch.js';
import { kubeconfigYaml } from './kubeconfig.js';

export interface KubeApiServerOptions {
  store: KubeStore;
  host: string;
  /** 0 or unset: any free port. */
  port?: number;
  onRequest?: (method: string, url: string, status: number) => void;
  /** How often a watch with allowWatchBookmarks=true gets a BOOKMARK (default 60 s, as the watch cache). */
  bookmarkIntervalMs?: number;
  /**
   * Namespaces a DELETE refuses (403), as the API server refuses
   * kube-system: the namespace a running local cluster writes its objects to.
   */
  protectedNamespaces?: readonly string[];
}

/** Without timeoutSeconds the API server picks a watch timeout between 1 and 2 times --min-request-timeout (1800 s). */
const MIN_REQUEST_TIMEOUT_MS = 1800_000;
/** Longest setTimeout Node can arm. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** How long stop() lets ended watches flush before dropping connections. */
const STOP_DRAIN_MS = 1000;

/** Items of a typed list carry no kind or apiVersion, as the API server serializes them. */
function listItem(object: KubeObject): object {
  const { kind: _kind, apiVersion: _apiVersion, ...rest } = object;
  return rest;
}

/**
 * A Kubernetes-compatible API server over plain HTTP on loopback, serving
 * the REST subset the lab's programs and kubectl use from a KubeStore.
 */
export class KubeApiServer {
  private server: Server | undefined;
  private port: number;
  private readonly watches = new Set<KubeWatch>();

  constructor(private readonly options: KubeApiServerOptions) {
    this.port = options.port ?? 0;
  }

  /** Resolves once listening. */
  async start(): Promise<{ url: string }> {
    if (this.server) throw new Error('kube-api: already started');
    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, this.options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
    return { url: this.url };
  }

  /**
   * Closes the listener and every open watch, as an API server restart does;
   * the store is kept. start() again binds the same host:port. Watches end
   * cleanly, so a client sees the end of the stream and resumes from its
   * last resourceVersion.
   */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const watch of [...this.watches]) watch.end();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const force = setTimeout(() => server.closeAllConnections(), STOP_DRAIN_MS);
    await closed;
    clearTimeout(force);
  }

  /** http://host:port */
  get url(): string {
    if (this.port === 0) throw new Error('kube-api: not started');
    return `http://${this.options.host}:${this.port}`;
  }

  /** kubeconfig YAML: one cluster/user/context named grpc-lb-lab, the context's namespace set. */
  kubeconfig(namespace?: string): string {
    return kubeconfigYaml(this.url, namespace);
  }

  async writeKubeconfig(path: string, namespace?: string): Promise<void> {
    await writeFile(path, this.kubeconfig(namespace), { mode: 0o600 });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!this.server) {
      // Stopping: a request that came on a kept-alive connection meets a dead server.
      req.socket.destroy();
      return;
    }
    const method = req.method ?? 'GET';
    const rawUrl = req.url ?? '/';
    res.once('close', () => this.options.onRequest?.(method, rawUrl, res.statusCode));
    const url = new URL(rawUrl, 'http://kube-api');
    try {
      await this.route(req, res, url);
    } catch (error) {
      const status = error instanceof ApiError ? error.status : internalError(error);
      if (!res.headersSent) this.send(req, res, url, status.code, status);
      else res.destroy();
    }
  }

  private async route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = req.method ?? 'GET';
    const segments = splitPath(url.pathname);
    const path = `/${segments.join('/')}`;
    if (!acceptsJson(req.headers.accept)) throw new ApiError(notAcceptable(['application/json']));
    const discovery = this.discovery(req, path, segments);
    if (discovery) {
      if (method !== 'GET') throw new ApiError(methodNotAllowed());
      if (typeof discovery.body === 'string') {
        res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' }).end(discovery.body);
      } else {
        this.send(req, res, url, 200, discovery.body, discovery.contentType);
      }
      return;
    }
    const request = resolveResource(segments);
    if (!request) throw new ApiError(pathNotFound());
    const { resource, name, subresource } = request;
    if (method === 'DELETE' && resource.kind === 'Namespace' && name && !request.watchPath) {
      this.send(req, res, url, 200, this.deleteNamespace(name));
      return;
    }
    if (method === 'GET') {
      if (name !== undefined && !request.watchPath) {
        await this.get(req, res, url, request);
      } else {
        await this.list(req, res, url, request);
      }
      return;
    }
    const writable =
      name !== undefined &&
      !request.watchPath &&
      ((method === 'PATCH' && resource.verbs.includes('patch')) ||
        (method === 'PUT' && resource.verbs.includes('update')));
    if (!writable) throw new ApiError(methodNotAllowed());
    if (resource.kind === 'Deployment') {
      const updated = await updateDeployment(
        this.options.store,
        req,
        url,
        request,
        subresource === 'scale',
      );
      this.send(req, res, url, 200, updated);
      return;
    }
    throw new ApiError(methodNotAllowed());
  }

  /**
   * Deletes a namespace and everything in it. A real API server answers with
   * the namespace in phase Terminating and removes it once the namespace
   * controller has emptied it; here that happens at once, so a `kubectl
   * delete --wait` sees it gone on its first look.
   */
  private deleteNamespace(name: string): KubeObject {
    const gr = { group: '', resource: 'namespaces' };
    const { store } = this.options;
    const namespace = store.get('v1', 'Namespace', undefined, name);
    if (!namespace) throw new ApiError(notFound(gr, name));
    if (this.options.protectedNamespaces?.includes(name)) {
      throw new ApiError(forbidden(gr, name, 'this namespace may not be deleted'));
    }
    for (const resource of RESOURCES.filter((r) => r.namespaced)) {
      for (const object of store.list(resource.apiVersion, resource.kind, name)) {
        store.remove(resource.apiVersion, resource.kind, name, object.metadata.name);
      }
    }
    store.remove('v1', 'Namespace', undefined, name);
    return {
      ...namespace,
      metadata: { ...namespace.metadata, deletionTimestamp: kubeTime() },
      status: { phase: 'Terminating' },
    };
  }

  private discovery(
    req: IncomingMessage,
    path: string,
    segments: string[],
  ): { body: object | string; contentType?: string } | undefined {
    const aggregated = aggregatedDiscoveryWanted(req.headers.accept);
    switch (path) {
      case '/version':
        return { body: SERVER_VERSION };
      case '/healthz':
      case '/livez':
      case '/readyz':
        return { body: 'ok' };
      case '/api':
        return aggregated
          ? {
              body: aggregatedDiscovery(aggregated, true),
              contentType: aggregatedContentType(aggregated),
            }
          : { body: apiVersions(`${this.options.host}:${this.port}`) };
      case '/apis':
        return aggregated
          ? {
              body: aggregatedDiscovery(aggregated, false),
              contentType: aggregatedContentType(aggregated),
            }
          : { body: apiGroupList() };
    }
    if (segments[0] === 'api' && segments.length === 2) {
      const list = apiResourceList('', segments[1] ?? '');
      return list && { body: list };
    }
    if (segments[0] === 'apis' && segments.length === 2) {
      const group = apiGroup(segments[1] ?? '');
      return group && { body: group };
    }
    if (segments[0] === 'apis' && segments.length === 3) {
      const list = apiResourceList(segments[1] ?? '', segments[2] ?? '');
      return list && { body: list };
    }
    return undefined;
  }

  private includeObject(url: URL): IncludeObject {
    const include = url.searchParams.get('includeObject');
    return include === 'None' || include === 'Object' ? include : 'Metadata';
  }

  private async get(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    { resource, namespace, name, subresource }: ResourceRequest,
  ): Promise<void> {
    const object = this.options.store.get(
      resource.apiVersion,
      resource.kind,
      namespace,
      name ?? '',
    );
    if (!object)
      throw new ApiError(
        notFound({ group: resource.group, resource: resource.plural }, name ?? ''),
      );
    if (subresource === 'scale') {
      this.send(req, res, url, 200, toScale(object));
    } else if (wantsTable(req.headers.accept)) {
      this.send(
        req,
        res,
        url,
        200,
        toTable(resource, [object], {
          resourceVersion: object.metadata.resourceVersion,
          include: this.includeObject(url),
        }),
      );
    } else {
      this.send(req, res, url, 200, object);
    }
  }

  private async list(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    request: ResourceRequest,
  ): Promise<void> {
    const { resource, namespace, name } = request;
    const params = new URLSearchParams(url.searchParams);
    if (request.watchPath) {
      params.set('watch', 'true');
      // The old /watch/.../<name> form watches one object.
      if (name !== undefined) {
        const own = `metadata.name=${name}`;
        const given = params.get('fieldSelector');
        params.set('fieldSelector', given ? `${given},${own}` : own);
      }
    }
    const query = parseListQuery(resource, params);
    const table = wantsTable(req.headers.accept);
    const include = this.includeObject(url);
    if (query.watch) {
      const timeoutMs = query.timeoutSeconds
        ? query.timeoutSeconds * 1000
        : MIN_REQUEST_TIMEOUT_MS * (1 + Math.random());
      const watch = new KubeWatch(
        this.options.store,
        res,
        {
          resource,
          namespace,
          labels: query.labels,
          fields: query.fields,
          resourceVersion:
            query.resourceVersion === '' || query.resourceVersion === '0'
              ? undefined
              : Number(query.resourceVersion),
          sendInitialEvents: query.sendInitialEvents === true,
          allowBookmarks: query.allowWatchBookmarks,
          bookmarkIntervalMs: this.options.bookmarkIntervalMs ?? 60_000,
          timeoutMs: Math.min(Math.max(timeoutMs, 0), MAX_TIMER_MS),
          encode: table
            ? (object, first) =>
                toTable(resource, [object], {
                  resourceVersion: object.metadata.resourceVersion,
                  include,
                  headers: first,
                })
            : (object) => object,
        },
        (closed) => this.watches.delete(closed),
      );
      this.watches.add(watch);
      watch.start();
      return;
    }
    const result = await listObjects(this.options.store, resource, namespace, query);
    if (table) {
      this.send(
        req,
        res,
        url,
        200,
        toTable(resource, result.items, {
          resourceVersion: result.resourceVersion,
          ...(result.continueToken ? { continueToken: result.continueToken } : {}),
          include,
        }),
      );
      return;
    }
    this.send(req, res, url, 200, {
      kind: `${resource.kind}List`,
      apiVersion: resource.apiVersion,
      metadata: {
        resourceVersion: result.resourceVersion,
        ...(result.continueToken ? { continue: result.continueToken } : {}),
        ...(result.remainingItemCount !== undefined
          ? { remainingItemCount: result.remainingItemCount }
          : {}),
      },
      items: result.items.map(listItem),
    });
  }

  private send(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    code: number,
    body: object | KubeStatus,
    contentType = 'application/json',
  ): void {
    const text = wantsPretty(req, url) ? JSON.stringify(body, null, 2) : JSON.stringify(body);
    res
      .writeHead(code, {
        'Content-Type': contentType,
        'Cache-Control': 'no-cache, private',
        'Content-Length': Buffer.byteLength(`${text}\n`),
      })
      .end(`${text}\n`);
  }
}
