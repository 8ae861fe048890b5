import { Agent, createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { callAddr, parseAddrAnswer } from './addr-call.js';

const answer = {
  podName: 'pod-a',
  podIp: '10.0.0.7',
  nodeName: 'node-1',
  startTime: '2025-01-01T00:00:00.000Z',
  callsServed: 1,
};

let server: Server | undefined;
const agent = new Agent({ keepAlive: false });

/** An in-process stand-in for one response shape, on 127.0.0.1 and a free port. */
async function serve(handler: RequestListener): Promise<URL> {
  server = createServer(handler);
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return new URL(`http://127.0.0.1:${port}/addr`);
}

afterEach(async () => {
  if (!server) return;
  server.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

describe('callAddr', () => {
  it('returns the pod and IP that answered, with the latency', async () => {
    const url = await serve((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(answer));
    });
    const outcome = await callAddr(agent, url, 1000);
    expect(outcome).toMatchObject({ ok: true, backend: { pod: 'pod-a', ip: '10.0.0.7' } });
    expect(outcome.ok && outcome.latencyMs).toBeGreaterThan(0);
    // No proxy named itself.
    expect(outcome).not.toHaveProperty('proxy');
  });

  it('returns the proxy that named itself in x-lab-proxy', async () => {
    const url = await serve((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.setHeader('x-lab-proxy', 'kind-worker2');
      res.end(JSON.stringify(answer));
    });
    expect(await callAddr(agent, url, 1000)).toMatchObject({ ok: true, proxy: 'kind-worker2' });
  });

  it.each([503, 404, 302])('counts a %i answer as HTTP_<status>', async (status) => {
    const url = await serve((_req, res) => {
      res.statusCode = status;
      res.end('no');
    });
    expect(await callAddr(agent, url, 1000)).toEqual({ ok: false, code: `HTTP_${status}` });
  });

  it.each([
    ['not JSON', 'hello'],
    ['no podName', JSON.stringify({ podIp: '10.0.0.7' })],
    ['a JSON array', '[]'],
    ['a body over 64 KiB', JSON.stringify({ ...answer, pad: 'x'.repeat(70_000) })],
  ])('counts a 200 with %s as INVALID_RESPONSE', async (_what, body) => {
    const url = await serve((_req, res) => res.end(body));
    expect(await callAddr(agent, url, 1000)).toEqual({ ok: false, code: 'INVALID_RESPONSE' });
  });

  it('counts a server that never answers as DEADLINE_EXCEEDED, at the deadline', async () => {
    const url = await serve(() => {});
    const started = performance.now();
    expect(await callAddr(agent, url, 100)).toEqual({ ok: false, code: 'DEADLINE_EXCEEDED' });
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(95);
    expect(elapsed).toBeLessThan(1000);
  });

  it('counts a body that stalls past the deadline as DEADLINE_EXCEEDED', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"podName":');
    });
    expect(await callAddr(agent, url, 100)).toEqual({ ok: false, code: 'DEADLINE_EXCEEDED' });
  });

  it('counts a connection reset as ECONNRESET', async () => {
    const url = await serve((req) => req.socket.destroy());
    expect(await callAddr(agent, url, 1000)).toEqual({ ok: false, code: 'ECONNRESET' });
  });

  it('counts a refused connection as ECONNREFUSED', async () => {
    const url = await serve(() => {});
    server?.close();
    server = undefined;
    expect(await callAddr(agent, url, 1000)).toEqual({ ok: false, code: 'ECONNREFUSED' });
  });
});

describe('parseAddrAnswer', () => {
  it('reads podName and podIp', () => {
    expect(parseAddrAnswer(JSON.stringify(answer))).toEqual({
      pod: 'pod-a',
      ip: '10.0.0.7',
      node: 'node-1',
    });
  });

  it('still reads an answer without a node', () => {
    const { nodeName: _, ...withoutNode } = answer;
    expect(parseAddrAnswer(JSON.stringify(withoutNode))).toEqual({ pod: 'pod-a', ip: '10.0.0.7' });
  });

  it.each(['', 'null', '"pod-a"', '{"podName":"","podIp":"1.2.3.4"}', '{"podName":"a","podIp":7}'])(
    'rejects %s',
    (body) => {
      expect(parseAddrAnswer(body)).toBeUndefined();
    },
  );
});
