import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { parseWindowLine, type WindowLine } from '@lab/stats';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpClient, type HttpClientOptions } from './create-client.js';

describe('createHttpClient options', () => {
  it('fills in the defaults', () => {
    const client = createHttpClient({ target: 'http://127.0.0.1:8080' });
    expect(client.url.href).toBe('http://127.0.0.1:8080/addr');
    expect(client.options).toEqual({
      target: 'http://127.0.0.1:8080',
      name: 'client-http',
      rps: 10,
      concurrency: 100,
      durationMs: undefined,
      deadlineMs: 1000,
      windowMs: 1000,
      keepalive: false,
      pretty: false,
    });
  });

  it('defaults to one caller in a closed loop', () => {
    expect(createHttpClient({ target: 'http://h:1', rps: 0 }).options.concurrency).toBe(1);
  });

  it.each<[Partial<HttpClientOptions>, RegExp]>([
    [{ target: 'https://h:1' }, /must use http:/],
    [{ rps: -1 }, /rps/],
    [{ rps: Number.NaN }, /rps/],
    [{ concurrency: 0 }, /concurrency/],
    [{ deadlineMs: 0 }, /deadlineMs/],
    [{ windowMs: 0.5 }, /windowMs/],
    [{ durationMs: 0 }, /durationMs/],
    [{ name: '' }, /name/],
  ])('rejects %j', (bad, message) => {
    expect(() => createHttpClient({ target: 'http://h:1', ...bad })).toThrow(message);
  });
});

describe('createHttpClient run', () => {
  let server: Server | undefined;
  let connections = 0;

  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    server = undefined;
  });

  /** With `proxy`, every answer names that proxy in x-lab-proxy, as the node-proxy Envoy does. */
  async function startServer(proxy?: string): Promise<string> {
    connections = 0;
    server = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      if (proxy) res.setHeader('x-lab-proxy', proxy);
      res.end(
        JSON.stringify({
          podName: 'pod-x',
          podIp: '127.0.0.1',
          nodeName: 'node-b',
          callsServed: 1,
        }),
      );
    });
    server.on('connection', () => {
      connections += 1;
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async function run(options: HttpClientOptions, signal = new AbortController().signal) {
    const out = new PassThrough();
    let text = '';
    out.on('data', (chunk: Buffer) => {
      text += chunk.toString();
    });
    await createHttpClient({ ...options, out }).run(signal);
    return text
      .trim()
      .split('\n')
      .map((line) => {
        const parsed = parseWindowLine(line);
        if (!parsed.ok) throw new Error(`bad window line: ${parsed.error}: ${line}`);
        return parsed.line;
      });
  }

  const total = (lines: WindowLine[], key: 'ok' | 'failed') =>
    lines.reduce((sum, line) => sum + line[key], 0);

  it('keepalive off opens one connection per request', async () => {
    const target = await startServer();
    const lines = await run({ target, rps: 0, durationMs: 300, windowMs: 100 });
    expect(total(lines, 'failed')).toBe(0);
    expect(total(lines, 'ok')).toBeGreaterThan(5);
    expect(connections).toBe(total(lines, 'ok'));
    expect(lines.at(-1)?.final).toBe(true);
  });

  it('keepalive on reuses one connection for a single caller', async () => {
    const target = await startServer();
    const lines = await run({ target, rps: 0, durationMs: 300, windowMs: 100, keepalive: true });
    expect(total(lines, 'failed')).toBe(0);
    expect(total(lines, 'ok')).toBeGreaterThan(5);
    expect(connections).toBe(1);
  });

  it('stamps its node on every window and counts calls per proxy that named itself', async () => {
    const target = await startServer('node-a');
    const lines = await run({ target, rps: 0, durationMs: 300, windowMs: 100, node: 'node-a' });
    expect(total(lines, 'ok')).toBeGreaterThan(5);
    for (const line of lines) {
      expect(line.node).toBe('node-a');
      if (line.ok > 0) {
        expect(line.proxies).toEqual({ 'node-a': line.ok });
        expect(line.backendNodes).toEqual({ 'pod-x': 'node-b' });
      }
    }
  });

  it('counts no proxy when no answer named one', async () => {
    const target = await startServer();
    const lines = await run({ target, rps: 0, durationMs: 200, windowMs: 100 });
    expect(total(lines, 'ok')).toBeGreaterThan(5);
    for (const line of lines) {
      expect(line).not.toHaveProperty('proxies');
      expect(line).not.toHaveProperty('node');
    }
  });

  it('stops when the signal aborts and prints the final window', async () => {
    const target = await startServer();
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 250);
    const lines = await run({ target, rps: 100, windowMs: 100 }, stop.signal);
    expect(lines.at(-1)?.final).toBe(true);
    expect(total(lines, 'ok')).toBeGreaterThan(5);
    expect(total(lines, 'failed')).toBe(0);
    expect(new Set(lines.flatMap((line) => Object.keys(line.backends)))).toEqual(
      new Set(['pod-x']),
    );
  });
});
