import type { AddressInfo } from 'node:net';
import type { Server as HttpServer } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import { UsageError } from '@lab/cli';
import { type AddrServerEnv, grpcLogVerbosity, readEnv } from './env.js';
import { type Identity, resolveIdentity } from './identity.js';
import { createMetrics } from './metrics.js';
import { createGrpcServer } from './server-grpc.js';
import { createHttpApp } from './server-http.js';
import { ServerState } from './server-state.js';

export interface AddrServerOptions {
  /** Address both listeners bind to. */
  bind: string;
  /** 0 picks a free port; `start()` returns the ones bound. */
  httpPort: number;
  grpcPort: number;
  /** grpc-js `grpc.max_connection_age_ms`: GOAWAY each connection after this long. */
  maxConnectionAgeMs?: number | undefined;
  /** grpc-js `grpc.max_connection_age_grace_ms`: time given to calls after that GOAWAY. */
  maxConnectionAgeGraceMs?: number | undefined;
  /** Any other grpc-js server option. */
  serverOptions?: grpc.ServerOptions | undefined;
  /** Artificial latency added to every unary answer. */
  latencyMs?: number | undefined;
  latencyJitterMs?: number | undefined;
  /**
   * Time between readiness turning false and the GOAWAY, so endpoints can
   * drop this pod before it stops taking calls (what a preStop sleep does).
   */
  drainDelayMs?: number | undefined;
  /** After this long in shutdown, remaining calls are cut and the server stops. */
  shutdownGraceMs?: number | undefined;
  env?: AddrServerEnv | undefined;
  log?: ((message: string) => void) | undefined;
}

export interface BoundPorts {
  grpcPort: number;
  httpPort: number;
}

export interface AddrServer {
  readonly identity: Identity;
  readonly state: ServerState;
  start(): Promise<BoundPorts>;
  /**
   * Readiness false, then (after the drain delay) GOAWAY and no new calls,
   * then in-flight calls finish. Resolves 'forced' when the grace ran out.
   */
  shutdown(): Promise<'graceful' | 'forced'>;
  /** Stops at once, cutting calls in flight. */
  forceClose(): void;
}

export const DEFAULT_SHUTDOWN_GRACE_MS = 25_000;

export function createAddrServer(options: AddrServerOptions): AddrServer {
  const log = options.log ?? (() => {});
  const identity = resolveIdentity(options.env ?? readEnv(), options.bind);
  const state = new ServerState(
    identity,
    createMetrics(),
    options.latencyMs ?? 0,
    options.latencyJitterMs ?? 0,
  );
  const channelOptions: grpc.ServerOptions = { ...options.serverOptions };
  if (options.maxConnectionAgeMs !== undefined) {
    channelOptions['grpc.max_connection_age_ms'] = options.maxConnectionAgeMs;
  }
  if (options.maxConnectionAgeGraceMs !== undefined) {
    channelOptions['grpc.max_connection_age_grace_ms'] = options.maxConnectionAgeGraceMs;
  }
  const grpcServer = createGrpcServer(state, { channelOptions });
  const app = createHttpApp(state);
  let httpServer: HttpServer | undefined;
  let shuttingDown: Promise<'graceful' | 'forced'> | undefined;

  const forceClose = () => {
    grpcServer.forceShutdown();
    httpServer?.closeAllConnections();
    httpServer?.close();
  };

  return {
    identity,
    state,
    async start() {
      const grpcPort = await bindGrpc(grpcServer, options.bind, options.grpcPort);
      try {
        httpServer = await listenHttp(app, options.bind, options.httpPort);
      } catch (error) {
        grpcServer.forceShutdown();
        throw error;
      }
      const httpPort = (httpServer.address() as AddressInfo).port;
      return { grpcPort, httpPort };
    },
    shutdown() {
      shuttingDown ??= (async () => {
        state.startDraining();
        log('draining: readiness is now false');
        const graceMs = options.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS;
        const deadline = sleep(graceMs).then(() => 'forced' as const);
        const graceful = (async () => {
          await sleep(options.drainDelayMs ?? 0);
          log('sending GOAWAY; waiting for calls in flight');
          await Promise.all([
            new Promise<void>((resolve) => grpcServer.tryShutdown(() => resolve())),
            new Promise<void>((resolve) => {
              if (!httpServer) return resolve();
              httpServer.close(() => resolve());
              httpServer.closeIdleConnections();
            }),
          ]);
          return 'graceful' as const;
        })();
        const outcome = await Promise.race([graceful, deadline]);
        if (outcome === 'forced') {
          log(`grace period of ${graceMs} ms ran out: cutting remaining calls`);
          forceClose();
        }
        return outcome;
      })();
      return shuttingDown;
    },
    forceClose,
  };
}

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

function bindError(what: string, address: string, detail: string): Error {
  if (detail.includes('EADDRINUSE')) return new UsageError(`${what} ${address} is already in use`);
  if (detail.includes('EADDRNOTAVAIL')) {
    return new UsageError(
      `${what} ${address}: address not available on this machine` +
        ' (Linux routes all of 127.0.0.0/8 to loopback; on macOS add an alias: sudo ifconfig lo0 alias <ip>)',
    );
  }
  if (detail.includes('EACCES')) return new UsageError(`${what} ${address}: permission denied`);
  return new Error(`${what} ${address}: ${detail}`);
}

function bindGrpc(server: grpc.Server, host: string, port: number): Promise<number> {
  const address = hostPort(host, port);
  // grpc-js logs its own multi-line account of a failed bind; the error we
  // raise says the same in one line, so its log is muted for the bind only.
  grpc.setLogVerbosity(grpc.logVerbosity.NONE);
  return new Promise<number>((resolve, reject) => {
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (error, bound) => {
      if (error) reject(bindError('gRPC port', address, error.message));
      else resolve(bound);
    });
  }).finally(() => grpc.setLogVerbosity(grpcLogVerbosity()));
}

function listenHttp(
  app: ReturnType<typeof createHttpApp>,
  host: string,
  port: number,
): Promise<HttpServer> {
  const address = hostPort(host, port);
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host);
    server.once('listening', () => resolve(server));
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(bindError('HTTP port', address, error.code ?? error.message));
    });
  });
}
