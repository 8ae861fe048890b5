/**
 * Runs the built client-http against real addr-server processes bound to
 * their own loopback addresses, the way the local runtime runs pods. All
 * traffic stays on 127.0.0.0/8; every child is killed in afterAll.
 *
 * It tests dist/, not src/: `pnpm test` (turbo) builds first; run `pnpm build`
 * before calling vitest directly.
 */
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import {
  type AddrServerProcess,
  appMain,
  runStats,
  startAddrServer,
  startNode,
  stopAll,
  waitFor,
  windowLines,
} from '@lab/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** Starts the built client; it is killed if still running after 15 s. */
function startClient(args: readonly string[]) {
  return startNode(appMain.clientHttp, args, { timeoutMs: 15_000 });
}

/** A port on `ip` that nothing listens on (bound, then released). */
async function closedPort(ip: string): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, ip, resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

let podA: AddrServerProcess;
let podB: AddrServerProcess;
let slowPod: AddrServerProcess;

beforeAll(async () => {
  const missing = [appMain.clientHttp, appMain.addrServer].filter((main) => !existsSync(main));
  if (missing.length > 0) {
    throw new Error(`${missing.join(' and ')} missing: run \`pnpm build\` at the repo root first`);
  }
  [podA, podB, slowPod] = await Promise.all([
    startAddrServer('pod-a', '127.0.2.1'),
    startAddrServer('pod-b', '127.0.2.2'),
    startAddrServer('pod-slow', '127.0.2.3', ['--latency-ms', '300']),
  ]);
});

afterAll(() => stopAll());

describe('client-http against real addr-servers', () => {
  it('with keepalive off, every call is answered by the pod it targets', async () => {
    const target = `http://${podB.ip}:${podB.httpPort}`;
    const run = startClient([
      ...['--target', target, '--name', 'int-off', '--rps', '40'],
      ...['--duration', '2s', '--window', '500ms'],
    ]);
    const { code, stdout } = await run.finished;
    expect(code).toBe(0);
    const lines = windowLines(stdout);
    expect(lines.length).toBeGreaterThanOrEqual(3);
    expect(lines.every((line) => line.client === 'int-off' && line.protocol === 'http')).toBe(true);
    expect(lines.at(-1)?.final).toBe(true);
    const stats = runStats(stdout);
    expect(stats.ok).toBeGreaterThan(0);
    expect(stats.failed).toBe(0);
    expect(stats.backends).toEqual({
      'pod-b': expect.objectContaining({ calls: stats.ok, ip: podB.ip }),
    });
  });

  it('with keepalive on in a closed loop, every call is answered by the pod it targets', async () => {
    const target = `http://${podA.ip}:${podA.httpPort}`;
    const run = startClient([
      ...['--target', target, '--rps', '0', '--concurrency', '2', '--keepalive', 'on'],
      ...['--duration', '1500ms'],
    ]);
    const { code, stdout } = await run.finished;
    expect(code).toBe(0);
    const stats = runStats(stdout);
    expect(stats.ok).toBeGreaterThan(0);
    expect(stats.failed).toBe(0);
    expect(stats.backends).toEqual({ 'pod-a': expect.objectContaining({ calls: stats.ok }) });
  });

  it('on SIGTERM, finishes the calls in flight, prints a final window and exits 0', async () => {
    const target = `http://${podA.ip}:${podA.httpPort}`;
    const run = startClient(['--target', target, '--rps', '50', '--window', '300ms']);
    await waitFor(() => run.stdout().includes('\n'), 'a first window line', 5000);
    run.child.kill('SIGTERM');
    const { code, stdout, stderr } = await run.finished;
    expect(code).toBe(0);
    expect(stderr).toContain('SIGTERM');
    expect(windowLines(stdout).at(-1)?.final).toBe(true);
    const stats = runStats(stdout);
    expect(stats.ok).toBeGreaterThan(0);
    expect(stats.failed).toBe(0);
    expect(Object.keys(stats.backends)).toEqual(['pod-a']);
  });

  it('counts a pod slower than the deadline as DEADLINE_EXCEEDED', async () => {
    const target = `http://${slowPod.ip}:${slowPod.httpPort}`;
    const run = startClient(['--target', target, '--deadline-ms', '100', '--duration', '1s']);
    const { code, stdout } = await run.finished;
    expect(code).toBe(0);
    const stats = runStats(stdout);
    expect(stats.ok).toBe(0);
    expect(stats.errors.DEADLINE_EXCEEDED).toBeGreaterThan(0);
    expect(stats.failed).toBe(stats.errors.DEADLINE_EXCEEDED);
  });

  it('counts a refused connection as ECONNREFUSED', async () => {
    const port = await closedPort('127.0.2.1');
    const run = startClient(['--target', `http://127.0.2.1:${port}`, '--duration', '1s']);
    const { code, stdout } = await run.finished;
    expect(code).toBe(0);
    const stats = runStats(stdout);
    expect(stats.ok).toBe(0);
    expect(stats.errors.ECONNREFUSED).toBeGreaterThan(0);
  });

  it.each([
    ['an unknown flag', ['--target', 'http://127.0.2.1:8080', '--bogus']],
    ['a non-http target', ['--target', 'https://127.0.2.1:8443']],
    ['a negative --rps', ['--target', 'http://127.0.2.1:8080', '--rps', '-5']],
    ['no --target', []],
  ])('exits 2 with one line on stderr for %s', async (_what, args) => {
    const { code, stdout, stderr } = await startClient(args).finished;
    expect(code).toBe(2);
    expect(stdout).toBe('');
    const lines = stderr.split('\n').filter((line) => line !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^client-http: error: /);
  });
});
