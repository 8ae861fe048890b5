import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import { LB_POLICIES, type LbPolicy } from './resources.js';

export interface HttpHandlers {
  registry: Registry;
  isDraining(): boolean;
  configDump(): unknown;
  /** Sets the Cluster lb_policy of one Service (by cluster name) or of all; returns the clusters changed. */
  setLbPolicy(policy: LbPolicy, cluster: string | undefined): string[];
}

/**
 * `/metrics` (Prometheus text), `/healthz` (up until exit), `/readyz` (503
 * once draining), `/debug/config_dump` (JSON: every resource and what each
 * client ACKed) and `POST /debug/lb_policy?policy=RING_HASH[&cluster=…]`.
 * Plain node:http: a handful of fixed paths need no framework.
 */
export function createHttpServer(handlers: HttpHandlers): Server {
  return createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    const text = (code: number, body: string) =>
      res.writeHead(code, { 'Content-Type': 'text/plain' }).end(`${body}\n`);
    if (path === '/debug/lb_policy') {
      if (req.method !== 'POST') {
        res.writeHead(405, { Allow: 'POST' }).end();
        return;
      }
      const policy = (url.searchParams.get('policy') ?? '').toUpperCase();
      if (!(LB_POLICIES as readonly string[]).includes(policy)) {
        text(400, `policy must be one of ${LB_POLICIES.join(', ')}`);
        return;
      }
      const changed = handlers.setLbPolicy(
        policy as LbPolicy,
        url.searchParams.get('cluster') ?? undefined,
      );
      if (changed.length === 0) text(404, 'no such cluster');
      else text(200, `${policy} on ${changed.join(', ')}`);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    switch (path) {
      case '/metrics':
        handlers.registry.metrics().then(
          (body) => res.writeHead(200, { 'Content-Type': handlers.registry.contentType }).end(body),
          (error: Error) => text(500, error.message),
        );
        return;
      case '/healthz':
        text(200, 'ok');
        return;
      case '/readyz': {
        const draining = handlers.isDraining();
        text(draining ? 503 : 200, draining ? 'draining' : 'ready');
        return;
      }
      case '/debug/config_dump':
        res
          .writeHead(200, { 'Content-Type': 'application/json' })
          .end(`${JSON.stringify(handlers.configDump(), null, 2)}\n`);
        return;
      default:
        text(404, 'not found');
    }
  });
}
