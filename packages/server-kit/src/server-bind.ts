import type { Server as HttpServer } from 'node:http';
import * as grpc from '@grpc/grpc-js';
import { UsageError } from '@lab/cli';

/** `host:port`, with brackets around an IPv6 host. */
export function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * A failed bind as one line a person can act on. The usual causes are bad
 * input (exit 2 through UsageError); anything else is a plain error.
 */
export function bindError(what: string, address: string, detail: string): Error {
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

/**
 * Binds a gRPC server, plaintext. grpc-js logs its own multi-line account of
 * a failed bind; the error raised here says the same in one line, so its log
 * is muted for the bind only, then set back to `verbosity`.
 */
export function bindGrpc(
  server: grpc.Server,
  host: string,
  port: number,
  verbosity: grpc.logVerbosity = grpc.logVerbosity.ERROR,
): Promise<number> {
  const address = hostPort(host, port);
  grpc.setLogVerbosity(grpc.logVerbosity.NONE);
  return new Promise<number>((resolve, reject) => {
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (error, bound) => {
      if (error) reject(bindError('gRPC port', address, error.message));
      else resolve(bound);
    });
  }).finally(() => grpc.setLogVerbosity(verbosity));
}

/** Starts an HTTP server listening; a failed listen rejects with bindError's line. */
export function listenHttp(server: HttpServer, host: string, port: number): Promise<HttpServer> {
  const address = hostPort(host, port);
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(bindError('HTTP port', address, error.code ?? error.message)),
    );
    server.listen(port, host, () => resolve(server));
  });
}
