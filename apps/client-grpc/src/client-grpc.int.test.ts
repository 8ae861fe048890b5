/**
 * The built client-grpc against real addr-server processes on 127.0.1.1-3:
 * how calls spread, and what a graceful or a brutal pod exit costs.
 */
import {
  type AddrServerProcess,
  appMain,
  runStats,
  startAddrServer,
  startNode,
  stopAll,
  waitFor,
} from '@lab/testkit';
import { afterEach, describe, expect, it } from 'vitest';

const IPS = ['127.0.1.1', '127.0.1.2', '127.0.1.3'];

afterEach(() => stopAll());

async function threePods(args: string[] = []): Promise<AddrServerProcess[]> {
  return Promise.all(IPS.map((ip, i) => startAddrServer(`pod-${i + 1}`, ip, args)));
}

function ipv4Target(pods: AddrServerProcess[]): string {
  return `ipv4:${pods.map((pod) => pod.grpcAddress).join(',')}`;
}

function client(args: string[]) {
  return startNode(appMain.clientGrpc, args, { timeoutMs: 30_000 });
}

describe('client-grpc over ipv4: with three pods', () => {
  it('round_robin reaches all three, each with a third of the calls (± 5 points)', async () => {
    const pods = await threePods();
    const done = await client([
      ...['--target', ipv4Target(pods), '--lb', 'round_robin'],
      ...['--rps', '300', '--duration', '3s'],
    ]).finished;
    expect(done.code).toBe(0);
    const stats = runStats(done.stdout, ['pod-1', 'pod-2', 'pod-3']);
    expect(stats.failed).toBe(0);
    expect(stats.ok).toBeGreaterThan(600);
    expect(stats.backendsReached).toBe(3);
    for (const pod of ['pod-1', 'pod-2', 'pod-3']) {
      expect(stats.backends[pod]?.share).toBeGreaterThan(0.33 - 0.05);
      expect(stats.backends[pod]?.share).toBeLessThan(0.33 + 0.05);
    }
  });

  it('pick_first reaches exactly one', async () => {
    const pods = await threePods();
    const done = await client([
      ...['--target', ipv4Target(pods), '--lb', 'pick_first'],
      ...['--rps', '300', '--duration', '2s'],
    ]).finished;
    expect(done.code).toBe(0);
    const stats = runStats(done.stdout, ['pod-1', 'pod-2', 'pod-3']);
    expect(stats.failed).toBe(0);
    expect(stats.ok).toBeGreaterThan(300);
    expect(stats.backendsReached).toBe(1);
    expect(stats.jainIndex).toBeCloseTo(1 / 3, 5);
  });

  it('a WatchAddr stream stays on one pod even with round_robin', async () => {
    const pods = await threePods();
    const done = await client([
      ...['--target', ipv4Target(pods), '--lb', 'round_robin', '--call', 'stream'],
      ...['--rps', '50', '--duration', '2s'],
    ]).finished;
    expect(done.code).toBe(0);
    const stats = runStats(done.stdout);
    expect(stats.ok).toBeGreaterThan(50);
    expect(stats.backendsReached).toBe(1);
  });
});

/**
 * Each pod answers after 50 ms, so at 200 calls/s every pod always has a few
 * calls in flight: a clean drain must finish them, and a kill must fail them.
 */
async function killOneDuringLoad(signal: NodeJS.Signals) {
  const pods = await threePods(['--latency-ms', '50']);
  const run = client([
    ...['--target', ipv4Target(pods), '--lb', 'round_robin'],
    ...['--rps', '200', '--duration', '4s', '--window', '500ms'],
  ]);
  await waitFor(() => run.stdout().split('\n').length > 3, 'a few windows of traffic');
  pods[1]?.child.kill(signal);
  const done = await run.finished;
  expect(done.code).toBe(0);
  return runStats(done.stdout);
}

describe('client-grpc at 200 calls/s when one of three round_robin pods exits', () => {
  it('SIGTERM (drain, GOAWAY): zero failed calls', async () => {
    const stats = await killOneDuringLoad('SIGTERM');
    expect(stats.ok).toBeGreaterThan(600);
    expect(stats.errors).toEqual({});
    expect(stats.failed).toBe(0);
  });

  it('SIGKILL: the calls in flight fail, and are counted by status', async () => {
    const stats = await killOneDuringLoad('SIGKILL');
    expect(stats.ok).toBeGreaterThan(600);
    expect(stats.failed).toBeGreaterThan(0);
    expect(stats.errors.UNAVAILABLE).toBeGreaterThan(0);
    expect(stats.failed).toBe(Object.values(stats.errors).reduce((a, b) => a + b, 0));
  });
});

describe('client-grpc command line', () => {
  it.each([
    ['an unknown flag', ['--target', 'ipv4:127.0.1.1:50051', '--bogus']],
    ['an unknown scheme', ['--target', 'http://127.0.1.1:50051']],
    ['a bad ipv4 address', ['--target', 'ipv4:127.0.1:50051']],
    ['a bad port', ['--target', 'dns:///addr-server:99999']],
    ['a negative rps', ['--target', 'ipv4:127.0.1.1:50051', '--rps', '-1']],
    ['an unknown policy', ['--target', 'ipv4:127.0.1.1:50051', '--lb', 'random']],
    ['grpclb without its balancer', ['--target', 'ipv4:127.0.1.1:50051', '--lb', 'grpclb']],
    [
      'a grpclb flag without --lb grpclb',
      ['--target', 'ipv4:127.0.1.1:50051', '--grpclb-service', 'addr-server.grpc-lb:grpc'],
    ],
  ])('exits 2 with one line on stderr for %s', async (_what, args) => {
    const done = await client(args).finished;
    expect(done.code).toBe(2);
    expect(done.stdout).toBe('');
    const lines = done.stderr.split('\n').filter((line) => line !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^client-grpc: error: /);
  });

  it('turns on the resolver that honours a DNS server named in the target, and says so', async () => {
    // Nothing answers DNS on this port: the calls fail, and are counted.
    const done = await client([
      ...['--target', 'dns://127.0.1.9:5399/addr-server.test:50051'],
      ...['--rps', '20', '--duration', '1500ms', '--deadline-ms', '300'],
    ]).finished;
    expect(done.code).toBe(0);
    expect(done.stderr).toContain('GRPC_NODE_USE_ALTERNATIVE_RESOLVER=true');
    const stats = runStats(done.stdout);
    expect(stats.ok).toBe(0);
    expect(stats.failed).toBeGreaterThan(0);
  });

  it('stops on SIGINT, prints the last window marked final, and exits 0', async () => {
    const [pod] = await Promise.all([startAddrServer('pod-int', '127.0.1.4')]);
    const run = client(['--target', `passthrough:///${pod?.grpcAddress}`, '--rps', '50']);
    await waitFor(() => run.stdout().includes('\n'), 'the first window');
    run.child.kill('SIGINT');
    const done = await run.finished;
    expect(done.code).toBe(0);
    const lines = done.stdout.trim().split('\n');
    expect(JSON.parse(lines.at(-1) ?? '{}').final).toBe(true);
    expect(runStats(done.stdout).backendsReached).toBe(1);
  });
});
