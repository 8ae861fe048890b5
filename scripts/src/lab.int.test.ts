/**
 * pnpm lab end to end, as a person runs it: real pods, Services, DNS and
 * clients on loopback, and the verdicts they produce.
 */
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startNode, stopAll } from '@lab/local-cluster';
import { afterAll, afterEach, describe, expect, it } from 'vitest';

const labMain = fileURLToPath(new URL('../dist/lab.js', import.meta.url));
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const scenarios = join(repoRoot, 'k8s', 'scenarios');
const reportDir = mkdtempSync(join(tmpdir(), 'lab-reports-'));

afterEach(() => stopAll());
afterAll(() => rmSync(reportDir, { recursive: true, force: true }));

function lab(args: string[], timeoutMs = 90_000, env?: NodeJS.ProcessEnv) {
  return startNode(labMain, [...args, '--report-dir', reportDir], {
    timeoutMs,
    ...(env ? { env } : {}),
  });
}

/**
 * A PATH holding bash (zx runs commands through it) and nothing else: a
 * machine without docker, kind or kubectl, whatever this one has.
 */
function bareMachinePath(): string {
  const bin = mkdtempSync(join(tmpdir(), 'lab-bare-path-'));
  const bash = execFileSync('sh', ['-c', 'command -v bash'], { encoding: 'utf8' }).trim();
  symlinkSync(bash, join(bin, 'bash'));
  return bin;
}

/** The plan from its first step on, content-hash tags normalised as the reviewed snapshots have them. */
function planFromDeploy(text: string): string {
  return text
    .slice(text.indexOf('## step 2: deploy'))
    .replace(/(grpc-lb-lab\/[a-z-]+:|newTag: )[0-9a-f]{12}\b/g, '$1<hash>');
}

/** Lab programs still running: pods and clients, whatever started them. */
function labProcesses(): string[] {
  return execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => /apps\/(addr-server|client-grpc|client-http)\/dist\/main\.js/.test(line));
}

/** Addresses a run printed for its pods and Services. */
function addressesIn(output: string): string[] {
  return [...new Set(output.match(/127\.1\d\d\.\d+\.\d+/g) ?? [])];
}

function refused(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

describe('pnpm lab <scenario> at default speed', () => {
  it.each([
    ['l4-lb', 13],
    ['headless-dns', 24],
    ['headless-dns-max-age', 13],
    ['api-resolver', 23],
    ['re-resolve-pool', 19],
    ['grpclb', 18],
    ['xds-proxyless', 17],
  ])(
    '%s passes every check within 45 s',
    async (id, checks) => {
      const done = await lab([id]).finished;
      const summary = new RegExp(
        `^${id}: PASS \\(${checks} of ${checks} checks\\) in ([\\d.]+) s$`,
        'm',
      );
      expect(done.stdout, done.stdout + done.stderr).toMatch(summary);
      expect(done.code).toBe(0);
      expect(Number(summary.exec(done.stdout)?.[1])).toBeLessThanOrEqual(45);
      expect(labProcesses()).toEqual([]);
    },
    120_000,
  );
});

describe('verdicts come from measured traffic', () => {
  it('fails, exit 1, when l4-lb expects gRPC on five pods', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lab-scenarios-'));
    cpSync(join(scenarios, 'l4-lb'), join(dir, 'l4-lb'), { recursive: true });
    const file = join(dir, 'l4-lb', 'scenario.yaml');
    const text = readFileSync(file, 'utf8');
    // The five-pods phase is the last place this expectation appears.
    const at = text.lastIndexOf('grpc: { backends: 1, failed: 0 }');
    const flipped = `${text.slice(0, at)}grpc: { backends: 5${text.slice(at + 'grpc: { backends: 1'.length)}`;
    expect(flipped).not.toBe(text);
    writeFileSync(file, flipped);
    const done = await lab(['l4-lb', '--speed', '4', '--scenarios-dir', dir]).finished;
    rmSync(dir, { recursive: true, force: true });
    expect(done.code).toBe(1);
    expect(done.stdout).toMatch(/five-pods\s*│\s*grpc\s*│\s*backends\s*│\s*5\s*│\s*1\s*│\s*FAIL/);
    expect(done.stdout).toMatch(
      /^l4-lb: FAIL \(12 of 13 checks; failed: five-pods\/grpc\/backends\)/m,
    );
  }, 60_000);
});

describe('clean-up', () => {
  it('Ctrl-C mid-run stops every process and frees every address, exit 130', async () => {
    const run = lab(['headless-dns']);
    await run.waitForStdout('measure three-pods', 30_000);
    const addresses = addressesIn(run.stdout());
    expect(addresses.length).toBeGreaterThanOrEqual(3);
    expect(labProcesses().length).toBeGreaterThanOrEqual(6);
    const api = /Kubernetes API: http:\/\/([\d.]+):(\d+)/.exec(run.stdout());
    expect(api, run.stdout()).not.toBeNull();
    run.child.kill('SIGINT');
    const done = await run.finished;
    expect(done.code).toBe(130);
    expect(labProcesses()).toEqual([]);
    for (const address of addresses) expect(await refused(address, 50051)).toBe(true);
    expect(await refused(api?.[1] ?? '', Number(api?.[2]))).toBe(true);
  }, 60_000);

  it('--keep leaves a kubeconfig that kubectl uses to read and scale the running cluster', async () => {
    const run = lab(['l4-lb', '--keep', '--speed', '4']);
    await run.waitForStdout('--keep: the cluster and the clients keep running', 60_000);
    const kubeconfig = join(repoRoot, '.lab', 'kubeconfig');
    const kubectl = (...args: string[]) =>
      execFileSync('kubectl', ['--kubeconfig', kubeconfig, ...args], { encoding: 'utf8' });
    expect(kubectl('get', 'endpointslices', '-n', 'grpc-lb')).toMatch(/addr-server-/);
    kubectl('scale', 'deployment', 'addr-server', '-n', 'grpc-lb', '--replicas=2');
    const deadline = Date.now() + 20_000;
    let ready = '';
    while (Date.now() < deadline && ready !== '2') {
      ready = kubectl(
        'get',
        'deployment',
        'addr-server',
        '-n',
        'grpc-lb',
        '-o',
        'jsonpath={.status.readyReplicas}',
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(ready).toBe('2');
    run.child.kill('SIGINT');
    expect((await run.finished).code).toBe(130);
    expect(labProcesses()).toEqual([]);
  }, 90_000);

  it('a crashed lab (SIGKILL) takes its pods and clients with it', async () => {
    const run = lab(['l4-lb']);
    await run.waitForStdout('measure one-pod', 30_000);
    expect(labProcesses().length).toBeGreaterThanOrEqual(4);
    run.child.kill('SIGKILL');
    await run.finished;
    const deadline = Date.now() + 10_000;
    while (labProcesses().length > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(labProcesses()).toEqual([]);
  }, 60_000);
});

describe('bad input', () => {
  it('names the known scenarios for an unknown id, exit 2', async () => {
    const done = await lab(['no-such']).finished;
    expect(done.code).toBe(2);
    expect(done.stderr.trim()).toBe(
      "lab: error: unknown scenario 'no-such'; known: api-resolver, envoy-dynamic, envoy-static, grpclb, headless-dns, headless-dns-max-age, istio, l4-lb, linkerd, linkerd1-daemonset, node-proxy, re-resolve-pool, xds-proxyless (or list, all, down, compare, report)",
    );
  });

  it('rejects an unknown flag, exit 2', async () => {
    const done = await lab(['l4-lb', '--bogus']).finished;
    expect(done.code).toBe(2);
    expect(done.stderr.trim()).toBe("lab: error: unknown option '--bogus' (see --help)");
  });

  it('points at the file, line and key of a malformed scenario, exit 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lab-scenarios-'));
    cpSync(join(scenarios, 'l4-lb'), join(dir, 'l4-lb'), { recursive: true });
    const file = join(dir, 'l4-lb', 'scenario.yaml');
    const lines = readFileSync(file, 'utf8').split('\n');
    const lbLine = lines.findIndex((line) => line.includes('lb: pick_first'));
    lines[lbLine] = lines[lbLine]?.replace('pick_first', 'random') ?? '';
    writeFileSync(file, lines.join('\n'));
    const done = await lab(['l4-lb', '--scenarios-dir', dir]).finished;
    rmSync(dir, { recursive: true, force: true });
    expect(done.code).toBe(2);
    expect(done.stderr).toMatch(
      new RegExp(`l4-lb/scenario\\.yaml:${lbLine + 1}: clients\\[1\\]\\.lb: `),
    );
  });

  it.each(['envoy-static', 'node-proxy'])(
    'refuses the kind-only %s on the local runtime and names --runtime kind, exit 2',
    async (id) => {
      const done = await lab([id]).finished;
      expect(done.code).toBe(2);
      expect(done.stderr.trim()).toBe(
        `lab: error: ${id} runs on kind, not on the local runtime (try --runtime kind)`,
      );
    },
  );

  it('lists the scenarios', async () => {
    const done = await lab(['list']).finished;
    expect(done.code).toBe(0);
    for (const id of ['l4-lb', 'headless-dns', 'headless-dns-max-age', 'api-resolver'])
      expect(done.stdout).toContain(id);
    expect(done.stdout).toMatch(/^lab: 13 scenarios$/m);
  });
});

describe('--runtime kind', () => {
  const kustomization = join(repoRoot, '.lab', 'kind', 'l4-lb', 'kustomization.yaml');
  const stamp = () => (existsSync(kustomization) ? statSync(kustomization).mtimeMs : 'absent');

  it('on a machine without docker, kind or kubectl: exit 2, one install hint per tool, nothing run', async () => {
    const bin = bareMachinePath();
    const done = await lab(['l4-lb', '--runtime', 'kind'], 30_000, { PATH: bin }).finished;
    rmSync(bin, { recursive: true, force: true });
    expect(done.code).toBe(2);
    expect(done.stdout).toBe('');
    expect(done.stderr.trim().split('\n')).toEqual([
      'lab: error: the kind runtime needs docker, kind, kubectl, missing on this machine:',
      '  docker: not found; install Docker Engine (https://docs.docker.com/engine/install/) or Docker Desktop',
      '  kind: not found; install it: `go install sigs.k8s.io/kind@latest`, or a release binary (https://kind.sigs.k8s.io/docs/user/quick-start/#installation)',
      '  kubectl: not found; install kubectl 1.27 or later (https://kubernetes.io/docs/tasks/tools/)',
    ]);
  });

  it('--dry-run prints the reviewed plan even where nothing is installed, and runs none of it', async () => {
    const before = stamp();
    const bin = bareMachinePath();
    const done = await lab(['l4-lb', '--runtime', 'kind', '--dry-run'], 30_000, { PATH: bin })
      .finished;
    rmSync(bin, { recursive: true, force: true });
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toContain('# MISSING here: docker: not found;');
    expect(done.stdout).toContain('# MISSING here: kubectl: not found;');
    const reviewed = readFileSync(
      join(repoRoot, 'packages/lab/src/__snapshots__/runtime-kind-plan/l4-lb.txt'),
      'utf8',
    );
    const printed = done.stdout.slice(0, done.stdout.lastIndexOf('lab l4-lb'));
    expect(planFromDeploy(printed)).toBe(planFromDeploy(reviewed));
    expect(done.stdout).toMatch(
      /^lab l4-lb --runtime kind --dry-run: 25 commands planned, none run$/m,
    );
    expect(stamp()).toBe(before);
  });

  it('refuses --speed other than 1: the manifests hold the real durations', async () => {
    const done = await lab(['l4-lb', '--runtime', 'kind', '--speed', '4', '--dry-run']).finished;
    expect(done.code).toBe(2);
    expect(done.stderr.trim()).toBe(
      'lab: error: the kind runtime runs at --speed 1 only (the manifests hold the real durations); drop --speed 4',
    );
  });

  it('--dry-run goes with the kind runtime only', async () => {
    const done = await lab(['l4-lb', '--dry-run']).finished;
    expect(done.code).toBe(2);
    expect(done.stderr).toContain("--dry-run prints the kind runtime's command plan");
  });
});

describe('pnpm lab down', () => {
  it('--dry-run prints the plan: delete the cluster if kind lists it', async () => {
    const done = await lab(['down', '--dry-run']).finished;
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toContain(
      [
        '## down',
        'kind get clusters',
        '# if the output lists grpc-lb:',
        '  kind delete cluster --name grpc-lb',
      ].join('\n'),
    );
    expect(done.stdout.trim().split('\n').at(-1)).toBe('lab down --dry-run: nothing was run');
  });

  it('without kind: exit 2 and how to install it', async () => {
    const bin = bareMachinePath();
    const done = await lab(['down'], 30_000, { PATH: bin }).finished;
    rmSync(bin, { recursive: true, force: true });
    expect(done.code).toBe(2);
    expect(done.stderr).toContain('lab: error: pnpm lab down needs docker, kind, missing');
  });
});
