/**
 * The built client-grpc in --mode pool against real addr-server processes on
 * 127.0.7.1-3 (one gRPC port for all three, as pods of one Service) and a
 * real DNS server on 127.0.7.53 whose A records the tests change, as a
 * headless Service's records change when its Deployment scales.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  appMain,
  ClusterDns,
  type Running,
  runStats,
  startNode,
  stopAll,
  waitFor,
  windowLines,
} from '@lab/testkit';
import { afterEach, describe, expect, it } from 'vitest';

const IPS = ['127.0.7.1', '127.0.7.2', '127.0.7.3'] as const;
const PODS = ['pod-1', 'pod-2', 'pod-3'] as const;
const DNS_IP = '127.0.7.53';
const NAME = 'addr-headless.grpc-lb.svc.cluster.local';
/** The lab's cluster DNS default, as kubeadm's CoreDNS: it must not slow the pool down. */
const TTL_SECONDS = 30;
const RESOLVE_INTERVAL = '200ms';

const servers: ClusterDns[] = [];
afterEach(async () => {
  await stopAll();
  await Promise.all(servers.splice(0).map((dns) => dns.stop()));
});

async function clusterDns(port = 0): Promise<{ dns: ClusterDns; port: number }> {
  const dns = new ClusterDns({ address: DNS_IP, port, ttlSeconds: TTL_SECONDS });
  servers.push(dns);
  return { dns, port: (await dns.start()).port };
}

/** Three addr-servers on one gRPC port, each on its own address. */
async function threePods(): Promise<{ pods: Running[]; port: number }> {
  for (let attempt = 1; attempt <= 5; attempt++) {
    const port = 20_000 + 2 * Math.floor(Math.random() * 20_000);
    const pods = IPS.map((ip, i) =>
      startNode(
        appMain.addrServer,
        ['--bind', ip, '--grpc-port', `${port}`, '--http-port', `${port + 1}`],
        { env: { POD_NAME: PODS[i], POD_IP: ip, NODE_NAME: 'node-test' }, timeoutMs: 60_000 },
      ),
    );
    const started = await Promise.allSettled(pods.map((pod) => pod.waitForStdout('listening')));
    if (started.every((outcome) => outcome.status === 'fulfilled')) return { pods, port };
    await Promise.all(pods.map((pod) => pod.stop()));
  }
  throw new Error('no gRPC port free on all three addresses after 5 attempts');
}

function client(args: string[]): Running {
  return startNode(appMain.clientGrpc, args, { timeoutMs: 40_000 });
}

/** The window lines printed so far, without a line still being written. */
function windowsSoFar(stdout: string) {
  return windowLines(stdout.slice(0, stdout.lastIndexOf('\n') + 1));
}

/** Calls each pod served in the windows that started at or after `since` (epoch ms). */
function callsSince(stdout: string, since: number): Record<string, number> {
  const calls: Record<string, number> = {};
  for (const line of windowsSoFar(stdout)) {
    if (line.start < since) continue;
    for (const [pod, count] of Object.entries(line.backends))
      calls[pod] = (calls[pod] ?? 0) + count;
  }
  return calls;
}

function reached(running: Running, pods: readonly string[], since = 0): boolean {
  const calls = callsSince(running.stdout(), since);
  return pods.every((pod) => (calls[pod] ?? 0) > 0);
}

/** Resolves with the time a line containing `text` is first seen on stderr. */
async function stderrLine(running: Running, text: string, timeoutMs = 5_000): Promise<number> {
  await waitFor(() => running.stderr().includes(text), `"${text}" on stderr`, timeoutMs);
  return Date.now();
}

describe('client-grpc --mode pool over a headless Service', () => {
  it('reaches a new pod within a resolve interval, where a round_robin channel does not, and drains a removed one without a failed call', async () => {
    const { pods, port } = await threePods();
    const { dns, port: dnsPort } = await clusterDns();
    dns.setRecords(NAME, [IPS[0], IPS[1]]);
    const target = `dns://${DNS_IP}:${dnsPort}/${NAME}:${port}`;
    const load = ['--target', target, '--rps', '100', '--window', '250ms'];
    const pool = client([...load, '--mode', 'pool', '--resolve-interval', RESOLVE_INTERVAL]);
    const channel = client([...load, '--mode', 'channel', '--lb', 'round_robin']);
    await waitFor(
      () => reached(pool, ['pod-1', 'pod-2']) && reached(channel, ['pod-1', 'pod-2']),
      'both clients on pod-1 and pod-2',
      10_000,
    );

    // Scale-up: the third pod's record appears.
    const addedAt = Date.now();
    dns.setRecords(NAME, [...IPS]);
    await waitFor(() => reached(pool, ['pod-3'], addedAt - 250), 'the pool on pod-3', 3_000);
    expect(pool.stderr()).toContain(`pool: added ipv4:${IPS[2]}:${port} (3 live)`);
    // The same time for the channel, and then some: grpc-js never looks again.
    await sleep(Math.max(0, addedAt + 3_000 - Date.now()));
    const channelDone = await channel.stop();
    expect(channelDone.code).toBe(0);
    const channelStats = runStats(channelDone.stdout, PODS);
    expect(channelStats.backends['pod-3']).toBeUndefined();
    expect(channelStats.backendsReached).toBe(2);

    // Scale-down: the record goes first, then the pod drains and exits.
    dns.setRecords(NAME, [IPS[0], IPS[2]]);
    await stderrLine(pool, `pool: removed ipv4:${IPS[1]}:${port} (2 live)`, 3_000);
    const closedAt = await stderrLine(pool, `pool: closed ipv4:${IPS[1]}:${port}`, 3_000);
    const removedPod = pods[1];
    removedPod?.child.kill('SIGTERM');
    expect((await removedPod?.finished)?.code).toBe(0);
    await waitFor(
      () => reached(pool, ['pod-1', 'pod-3'], closedAt + 1_000),
      'a second more',
      5_000,
    );

    pool.child.kill('SIGTERM');
    const done = await pool.finished;
    expect(done.code).toBe(0);
    expect(done.stderr).toContain('pool: stopped, closed 2 channels');
    expect(JSON.parse(done.stdout.trim().split('\n').at(-1) ?? '{}').final).toBe(true);
    const stats = runStats(done.stdout, PODS);
    expect(stats.errors).toEqual({});
    expect(stats.failed).toBe(0);
    expect(stats.backendsReached).toBe(3);
    // Windows that started once pod-2's channel had closed: none of its calls.
    const after = callsSince(done.stdout, closedAt);
    expect(after['pod-2']).toBeUndefined();
    expect(after['pod-1']).toBeGreaterThan(20);
    expect(after['pod-3']).toBeGreaterThan(20);
  });

  it('moves a WatchAddr stream off a removed pod only when that pod ends it, with no failure', async () => {
    const { pods, port } = await threePods();
    const { dns, port: dnsPort } = await clusterDns();
    dns.setRecords(NAME, [...IPS]);
    const pool = client([
      ...['--target', `dns://${DNS_IP}:${dnsPort}/${NAME}:${port}`, '--call', 'stream'],
      ...['--concurrency', '3', '--rps', '60', '--window', '250ms'],
      ...['--mode', 'pool', '--resolve-interval', RESOLVE_INTERVAL],
    ]);
    await waitFor(() => reached(pool, PODS), 'a stream on each pod', 10_000);

    dns.setRecords(NAME, [IPS[0], IPS[2]]);
    // The stream is a call in flight: the channel stays open for it.
    const removedAt = await stderrLine(
      pool,
      `pool: removed ipv4:${IPS[1]}:${port} (2 live); closing it after its 1 call in flight`,
      3_000,
    );
    await sleep(600);
    expect(pool.stderr()).not.toContain(`pool: closed ipv4:${IPS[1]}`);
    expect(reached(pool, ['pod-2'], removedAt)).toBe(true);

    // SIGTERM drains: the server ends the stream with OK, and it reopens elsewhere.
    pods[1]?.child.kill('SIGTERM');
    const closedAt = await stderrLine(pool, `pool: closed ipv4:${IPS[1]}:${port}`, 5_000);
    await waitFor(
      () => reached(pool, ['pod-1', 'pod-3'], closedAt + 1_000),
      'a second more',
      5_000,
    );
    pool.child.kill('SIGINT');
    const done = await pool.finished;
    expect(done.code).toBe(0);
    expect(done.stderr).toContain('pool: stopped, closed 2 channels');
    expect(JSON.parse(done.stdout.trim().split('\n').at(-1) ?? '{}').final).toBe(true);
    const stats = runStats(done.stdout, PODS);
    expect(stats.errors).toEqual({});
    expect(stats.backendsReached).toBe(3);
    const after = callsSince(done.stdout, closedAt);
    expect(after['pod-2']).toBeUndefined();
    expect(Object.values(after).reduce((a, b) => a + b, 0)).toBeGreaterThan(20);
  });

  it('keeps its addresses while the DNS server is down, empties on NXDOMAIN, and fills again', async () => {
    const { port } = await threePods();
    const { dns, port: dnsPort } = await clusterDns();
    dns.setRecords(NAME, [IPS[0], IPS[1]]);
    const pool = client([
      ...['--target', `dns://${DNS_IP}:${dnsPort}/${NAME}:${port}`],
      ...['--rps', '100', '--window', '250ms', '--deadline-ms', '500'],
      ...['--mode', 'pool', '--resolve-interval', RESOLVE_INTERVAL],
    ]);
    await waitFor(() => reached(pool, ['pod-1', 'pod-2']), 'pod-1 and pod-2', 10_000);

    // A failed lookup keeps the last good list: the calls go on, none fails.
    await dns.stop();
    const downAt = await stderrLine(
      pool,
      `pool: lookup of ${NAME} via ${DNS_IP}:${dnsPort} failed`,
    );
    await sleep(1_000);
    const whileDown = windowsSoFar(pool.stdout()).filter((line) => line.start >= downAt);
    expect(whileDown.length).toBeGreaterThan(2);
    expect(whileDown.every((line) => line.failed === 0)).toBe(true);
    expect(reached(pool, ['pod-1', 'pod-2'], downAt)).toBe(true);

    // Back, but the Service has no ready pod: NXDOMAIN, as CoreDNS answers.
    const { dns: again } = await clusterDns(dnsPort);
    const emptyAt = await stderrLine(
      pool,
      `pool: ${NAME} via ${DNS_IP}:${dnsPort} has no A records (ENOTFOUND)`,
    );
    await stderrLine(pool, `pool: closed ipv4:${IPS[1]}:${port}`);
    const emptyWindows = () =>
      windowsSoFar(pool.stdout()).filter((line) => line.start >= emptyAt + 250);
    await waitFor(() => emptyWindows().length >= 3, 'three windows with no addresses', 5_000);
    const empty = emptyWindows();
    expect(empty.every((line) => line.ok === 0 && line.failed > 0)).toBe(true);
    expect(new Set(empty.flatMap((line) => Object.keys(line.errors)))).toEqual(
      new Set(['UNAVAILABLE']),
    );

    // Scaled up again: the pool fills on the next lookup.
    const backAt = Date.now();
    again.setRecords(NAME, [IPS[2]]);
    await waitFor(() => reached(pool, ['pod-3'], backAt), 'pod-3', 3_000);
    const done = await pool.stop();
    expect(done.code).toBe(0);
    expect(done.stderr).toContain(`pool: ${NAME} via ${DNS_IP}:${dnsPort} resolves again`);
    expect(done.stderr).toContain('pool: stopped, closed 1 channel');
    // Each kind of trouble is said once, not once per lookup.
    expect(done.stderr.match(/failed \(/g)).toHaveLength(1);
    expect(done.stderr.match(/has no A records/g)).toHaveLength(1);
  });
});

describe('client-grpc --mode pool command line', () => {
  it.each([
    ['an ipv4: target', ['--target', 'ipv4:127.0.7.1:50051']],
    ['a zero interval', ['--target', 'dns:///addr-server:50051', '--resolve-interval', '0']],
    ['a negative interval', ['--target', 'dns:///addr-server:50051', '--resolve-interval', '-1s']],
    [
      '--lb, which it would ignore',
      ['--target', 'dns:///addr-server:50051', '--lb', 'round_robin'],
    ],
  ])('exits 2 with one line on stderr for %s', async (_what, args) => {
    const done = await client(['--mode', 'pool', ...args]).finished;
    expect(done.code).toBe(2);
    expect(done.stdout).toBe('');
    const lines = done.stderr.split('\n').filter((line) => line !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^client-grpc: error: .*(pool|resolve-interval|--lb)/);
  });

  it('refuses --resolve-interval without --mode pool', async () => {
    const done = await client(['--target', 'dns:///addr-server:50051', '--resolve-interval', '1s'])
      .finished;
    expect(done.code).toBe(2);
    expect(done.stderr).toBe('client-grpc: error: --resolve-interval is for --mode pool\n');
  });
});
