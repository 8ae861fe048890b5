import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import express from 'express';
import { appBundlePath, readAppBundle } from './assets.js';
import { RunFeed } from './feed.js';
import { renderPage } from './page.js';
import { streamFeed } from './sse.js';

/** Where `pnpm lab --dashboard` serves by default: loopback only, a fixed port to bookmark. */
export const DEFAULT_DASHBOARD_HOST = '127.0.0.1';
export const DEFAULT_DASHBOARD_PORT = 7070;

export interface DashboardOptions {
  /** Default 127.0.0.1: the page shows the run to whoever can reach it. */
  host?: string;
  /** Default 7070; 0 picks a free port. */
  port?: number;
  feed?: RunFeed;
  /**
   * false: the server and its connections do not keep the process alive, so
   * a run that ends (or fails) exits as it would without the dashboard.
   */
  keepProcessAlive?: boolean;
}

export interface Dashboard {
  url: string;
  host: string;
  port: number;
  feed: RunFeed;
  /** Pages connected to the event stream right now. */
  readonly pages: number;
  /** Ends every event stream and stops listening. */
  close(): Promise<void>;
}

/** Listening failed: the port is taken, or the address is not this machine's. */
export class DashboardListenError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'DashboardListenError';
  }
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

function listenError(error: NodeJS.ErrnoException, host: string, port: number): Error {
  const where = `${host}:${port}`;
  switch (error.code) {
    case 'EADDRINUSE':
      return new DashboardListenError(
        `the dashboard cannot listen on ${where}: the port is in use (another pnpm lab --dashboard?); choose another with --dashboard-port, or --dashboard-port 0 for any free one`,
        error.code,
      );
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return new DashboardListenError(
        `the dashboard cannot listen on ${where}: ${host} is not an address of this machine`,
        error.code,
      );
    case 'EACCES':
      return new DashboardListenError(
        `the dashboard cannot listen on ${where}: permission denied (ports below 1024 need root)`,
        error.code,
      );
    default:
      return error;
  }
}

/**
 * The live dashboard's HTTP server: the page (GET /), its bundle (GET
 * /app.js) and the run's event stream (GET /events, Server-Sent Events,
 * replaying the run so far to every page that connects).
 */
export async function createDashboard(options: DashboardOptions = {}): Promise<Dashboard> {
  const host = options.host ?? DEFAULT_DASHBOARD_HOST;
  const feed = options.feed ?? new RunFeed();
  readAppBundle();
  const streams = new Set<() => void>();
  const sockets = new Set<Socket>();
  let port = options.port ?? DEFAULT_DASHBOARD_PORT;

  const app = express();
  app.disable('x-powered-by');
  // Bound to loopback, answer only to loopback names: a web page elsewhere
  // cannot read the run through DNS rebinding.
  app.use((req, res, next) => {
    if (!LOOPBACK.has(host)) return next();
    const name = (req.get('host') ?? '').replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
    if (LOOPBACK.has(name)) return next();
    res.status(421).type('text/plain').send('the lab dashboard answers to 127.0.0.1 only\n');
  });
  app.get('/', (_req, res) => {
    res
      .type('html')
      .set('cache-control', 'no-store')
      .send(renderPage({ title: 'grpc-lb-lab dashboard', script: { src: 'app.js' } }));
  });
  app.get('/app.js', (_req, res) => {
    res.set('cache-control', 'no-cache').type('text/javascript').sendFile(appBundlePath);
  });
  app.get('/events', (req, res) => {
    const end = streamFeed(req, res, feed);
    streams.add(end);
    req.on('close', () => streams.delete(end));
  });
  app.get('/healthz', (_req, res) => {
    res.type('text/plain').send('ok\n');
  });

  const server: Server = createServer(app);
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    if (options.keepProcessAlive === false) socket.unref();
  });
  await new Promise<void>((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException) => reject(listenError(error, host, port));
    server.once('error', failed);
    server.listen({ host, port }, () => {
      server.off('error', failed);
      resolve();
    });
  });
  if (options.keepProcessAlive === false) server.unref();
  port = (server.address() as AddressInfo).port;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost(host)}:${port}/`,
    host,
    port,
    feed,
    get pages() {
      return streams.size;
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const end of streams) end();
        streams.clear();
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}
