import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type * as grpc from '@grpc/grpc-js';
import { bindGrpc, listenHttp } from '@lab/server-kit';
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
      const grpcPort = await bindGrpc(
        grpcServer,
        options.bind,
        options.grpcPort,
        grpcLogVerbosity(),
      );
      try {
        httpServer = await listenHttp(createServer(app), options.bind, options.httpPort);
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
