/** Real kubectl against a real LocalCluster, through the kubeconfig the cluster writes. */
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalCluster } from '../local-cluster.js';
import { endpointSlicesFor } from './endpoint-slices.js';

const run = promisify(execFile);

let dir: string | undefined;
let cluster: LocalCluster | undefined;
/** A streaming kubectl a failed test could leave behind. */
let streaming: ChildProcess | undefined;

/** kubectl with the cluster's kubeconfig and a discovery cache of its own, away from any ~/.kube. */
function kubectlArgs(...args: string[]): string[] {
  const home = dir as string;
  return ['--kubeconfig', join(home, 'kubeconfig'), '--cache-dir', join(home, 'cache'), ...args];
}

function kubectlEnv(): NodeJS.ProcessEnv {
  return { ...process.env, HOME: dir, KUBECONFIG: '' };
}

async function kubectl(...args: string[]): Promise<string> {
  const { stdout } = await run('kubectl', kubectlArgs(...args), {
    env: kubectlEnv(),
    timeout: 20_000,
  });
  return stdout;
}

/** Rows of a kubectl table as arrays of cells. */
function rows(table: string): string[][] {
  return table
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s{2,}/));
}

beforeEach(async () => {
  if (spawnSync('kubectl', ['version', '--client'], { timeout: 20_000 }).error) {
    throw new Error(
      "kubectl is not on PATH: install it to run this test (CI does: .ci/run installs Debian's kubernetes-client)",
    );
  }
  dir = await mkdtemp(join(tmpdir(), 'kube-api-kubectl-'));
});

afterEach(async () => {
  if (streaming && streaming.exitCode === null && streaming.signalCode === null) {
    const child = streaming;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
  streaming = undefined;
  await cluster?.stop();
  cluster = undefined;
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('kubectl against the local cluster', () => {
  it('gets endpointslices, pods and deployments, scales the real pods, and streams a raw watch', async () => {
    const kubeconfigPath = join(dir as string, 'kubeconfig');
    cluster = new LocalCluster({ kubeconfigPath });
    await cluster.start();
    expect(await readFile(kubeconfigPath, 'utf8')).toBe(cluster.kubeconfig());
    await cluster.createDeployment({
      name: 'addr-server',
      replicas: 1,
      args: [],
      terminationGracePeriodMs: 5000,
    });
    await cluster.createService({
      name: 'addr-server',
      kind: 'headless',
      deployment: 'addr-server',
    });
    const [first] = cluster.pods();

    const slices = rows(await kubectl('get', 'endpointslices', '-n', 'grpc-lb'));
    expect(slices[0]).toEqual(['NAME', 'ADDRESSTYPE', 'PORTS', 'ENDPOINTS', 'AGE']);
    expect(slices[1]?.slice(1, 4)).toEqual(['IPv4', '50051,8080', first?.ip]);
    expect(slices[1]?.[0]).toMatch(/^addr-server-[a-z0-9]{5}$/);

    expect(await kubectl('scale', 'deployment', 'addr-server', '--replicas=3')).toBe(
      'deployment.apps/addr-server scaled\n',
    );
    await cluster.whenSettled('addr-server');
    const live = cluster.pods().filter((p) => p.exitedAt === undefined);
    expect(live).toHaveLength(3);
    expect(cluster.endpoints('addr-server')).toHaveLength(3);

    const pods = rows(await kubectl('get', 'pods', '-o', 'wide'));
    expect(pods[0]).toEqual([
      'NAME',
      'READY',
      'STATUS',
      'RESTARTS',
      'AGE',
      'IP',
      'NODE',
      'NOMINATED NODE',
      'READINESS GATES',
    ]);
    expect(
      pods
        .slice(1)
        .map((p) => [p[0], p[1], p[2], p[5], p[6]])
        .sort(),
    ).toEqual(live.map((p) => [p.name, '1/1', 'Running', p.ip, p.node]).sort());
    const deploy = rows(await kubectl('get', 'deploy'));
    expect(deploy[1]?.slice(0, 4)).toEqual(['addr-server', '3/3', '3', '3']);

    // 250 endpoints of another Service: the controller's cut in three slices.
    const endpoints = Array.from({ length: 250 }, (_, i) => ({
      ip: `10.0.${Math.floor(i / 250)}.${i + 1}`,
      ready: true,
      serving: true,
      terminating: false,
    }));
    for (const slice of endpointSlicesFor(
      { name: 'big', namespace: 'grpc-lb', ports: [{ name: 'grpc', port: 50051 }] },
      endpoints,
    ))
      cluster.store.put(slice);
    const big = rows(
      await kubectl('get', 'endpointslices', '-l', 'kubernetes.io/service-name=big'),
    );
    expect(
      big
        .slice(1)
        .map((r) => r[3])
        .sort(),
    ).toEqual([
      '10.0.0.1,10.0.0.2,10.0.0.3 + 97 more...',
      '10.0.0.101,10.0.0.102,10.0.0.103 + 97 more...',
      '10.0.0.201,10.0.0.202,10.0.0.203 + 47 more...',
    ]);

    // A raw watch: one JSON event per line, the current slices first.
    const watch = spawn(
      'kubectl',
      kubectlArgs(
        'get',
        '--raw',
        '/apis/discovery.k8s.io/v1/namespaces/grpc-lb/endpointslices?watch=1',
      ),
      { env: kubectlEnv(), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    streaming = watch;
    const lines = await new Promise<string[]>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`no watch events: ${out}`)), 10_000);
      watch.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const complete = out.split('\n').filter((line) => line.trim() !== '');
        if (complete.length >= 4 && out.endsWith('\n')) {
          clearTimeout(timer);
          resolve(complete);
        }
      });
      watch.on('exit', (code) => reject(new Error(`kubectl exited (${code}): ${out}`)));
    });
    watch.kill('SIGTERM');
    const events = lines.map(
      (line) => JSON.parse(line) as { type: string; object: { kind: string } },
    );
    expect(events.map((e) => [e.type, e.object.kind])).toEqual(
      Array.from({ length: 4 }, () => ['ADDED', 'EndpointSlice']),
    );
  }, 60_000);
});
