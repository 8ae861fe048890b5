/** The built addr-server as a real process: signals, exit codes, and its one-line errors. */
import { appMain, startAddrServer, startNode, stopAll } from '@lab/testkit';
import { afterEach, describe, expect, it } from 'vitest';

afterEach(() => stopAll());

describe('addr-server process', () => {
  it('drains on SIGTERM in order (readiness, GOAWAY, calls finish) and exits 0', async () => {
    const pod = await startAddrServer('pod-term', '127.0.3.2', ['--drain-delay', '300ms']);
    const url = `http://${pod.ip}:${pod.httpPort}/readyz`;
    expect((await fetch(url)).status).toBe(200);
    pod.child.kill('SIGTERM');
    await pod.waitForStdout('draining');
    expect((await fetch(url)).status).toBe(503);
    const done = await pod.finished;
    expect(done.code).toBe(0);
    const order = ['SIGTERM received', 'draining', 'GOAWAY', 'stopped (graceful)'].map((text) =>
      done.stdout.indexOf(text),
    );
    expect(order.every((at) => at >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it('exits 1 at once on a second signal', async () => {
    const pod = await startAddrServer('pod-twice', '127.0.3.3', ['--drain-delay', '20s']);
    pod.child.kill('SIGTERM');
    await pod.waitForStdout('draining');
    pod.child.kill('SIGINT');
    const done = await pod.finished;
    expect(done.code).toBe(1);
    expect(done.stdout).toContain('received again');
  });

  it('drains and exits when the lab that started it goes away (its stdin closes)', async () => {
    const pod = await startAddrServer('pod-orphan', '127.0.3.6');
    pod.child.stdin?.end();
    const done = await pod.finished;
    expect(done.code).toBe(0);
    expect(done.stdout).toContain('SIGTERM received');
  });

  it.each([
    ['an unknown flag', ['--bogus']],
    ['a negative latency', ['--latency-ms', '-5']],
    ['a port out of range', ['--grpc-port', '70000']],
    ['a bad duration', ['--drain-delay', 'soon']],
  ])('exits 2 with one line on stderr for %s', async (_what, args) => {
    const done = await startNode(appMain.addrServer, ['--bind', '127.0.3.4', ...args]).finished;
    expect(done.code).toBe(2);
    const lines = done.stderr.split('\n').filter((line) => line !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^addr-server: error: /);
  });

  it('exits 2 with one line when the port is in use', async () => {
    const pod = await startAddrServer('pod-first', '127.0.3.5');
    const done = await startNode(appMain.addrServer, [
      ...['--bind', pod.ip, '--grpc-port', `${pod.grpcPort}`, '--http-port', '0'],
    ]).finished;
    expect(done.code).toBe(2);
    expect(done.stderr.trim()).toBe(
      `addr-server: error: gRPC port ${pod.ip}:${pod.grpcPort} is already in use`,
    );
  });
});
