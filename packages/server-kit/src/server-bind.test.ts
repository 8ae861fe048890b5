import { createServer } from 'node:http';
import * as grpc from '@grpc/grpc-js';
import { UsageError } from '@lab/cli';
import { afterEach, describe, expect, it } from 'vitest';
import { bindError, bindGrpc, hostPort, listenHttp } from './server-bind.js';

const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

describe('server binding', () => {
  it('brackets IPv6 hosts', () => {
    expect(hostPort('127.0.40.1', 80)).toBe('127.0.40.1:80');
    expect(hostPort('::1', 80)).toBe('[::1]:80');
  });

  it('turns the usual bind failures into one-line usage errors', () => {
    const inUse = bindError('gRPC port', '127.0.40.1:50051', 'bind EADDRINUSE');
    expect(inUse).toBeInstanceOf(UsageError);
    expect(inUse.message).toBe('gRPC port 127.0.40.1:50051 is already in use');
    expect(bindError('HTTP port', 'x:1', 'EADDRNOTAVAIL').message).toContain('not available');
    expect(bindError('HTTP port', 'x:1', 'EIO')).not.toBeInstanceOf(UsageError);
  });

  it('reports a port in use, for gRPC and for HTTP', async () => {
    const first = new grpc.Server();
    closers.push(() => first.forceShutdown());
    const port = await bindGrpc(first, '127.0.40.1', 0);
    const second = new grpc.Server();
    closers.push(() => second.forceShutdown());
    await expect(bindGrpc(second, '127.0.40.1', port)).rejects.toThrow(
      `gRPC port 127.0.40.1:${port} is already in use`,
    );
    const http = await listenHttp(createServer(), '127.0.40.1', 0);
    closers.push(() => http.close());
    const address = http.address();
    const httpPort = typeof address === 'object' && address ? address.port : 0;
    const other = createServer();
    await expect(listenHttp(other, '127.0.40.1', httpPort)).rejects.toThrow(
      `HTTP port 127.0.40.1:${httpPort} is already in use`,
    );
  });
});
