/**
 * `pnpm lab … --runtime cluster` as a real process, against a fake
 * kubeconfig whose contexts point at a real Kubernetes-compatible API (the
 * local cluster's API server, on 127.88.0.0/16), through real kubectl. The
 * machine has no docker on its PATH here, so a run that passes the guard
 * stops at the docker check: nothing is ever built or applied.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  KubeApiServer,
  KubeStore,
  LAB_MANAGED_BY_LABEL,
  LAB_MANAGER,
  namespaceObject,
  nodeObject,
  startNode,
  stopAll,
} from '@lab/local-cluster';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

const labMain = fileURLToPath(new URL('../dist/lab.js', import.meta.url));
const snapshots = fileURLToPath(
  new URL('../../packages/lab/src/__snapshots__/runtime-cluster-plan/', import.meta.url),
);
const PROD = 'gke_acme_europe-west1_prod-eu';
const DEV = 'lab-dev';
const REGISTRY = 'europe-west1-docker.pkg.dev/my-project/grpc-lb-lab';

const home = mkdtempSync(join(tmpdir(), 'lab-cluster-'));
const store = new KubeStore();
const requests: string[] = [];
const server = new KubeApiServer({
  store,
  host: '127.88.10.1',
  onRequest: (method, url) => requests.push(`${method} ${url.split('?')[0]}`),
});

/** bash (zx runs commands through it) and kubectl, and no docker: whatever this machine has. */
function pathWithoutDocker(): string {
  const bin = join(home, 'bin');
  execFileSync('mkdir', ['-p', bin]);
  for (const tool of ['bash', 'kubectl']) {
    const found = execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim();
    symlinkSync(found, join(bin, tool));
  }
  return bin;
}

let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  const { url } = await server.start();
  const kubeconfig = join(home, 'kubeconfig');
  // Two contexts on one API: one named like production, one not.
  writeFileSync(
    kubeconfig,
    `apiVersion: v1
kind: Config
clusters:
- name: fake
  cluster:
    server: "${url}"
    insecure-skip-tls-verify: true
users:
- name: fake
  user: {}
contexts:
- name: "${PROD}"
  context: { cluster: fake, user: fake }
- name: "${DEV}"
  context: { cluster: fake, user: fake }
current-context: "${DEV}"
`,
  );
  env = { KUBECONFIG: kubeconfig, HOME: home, PATH: pathWithoutDocker() };
});

afterEach(() => stopAll());
afterAll(async () => {
  await server.stop();
  rmSync(home, { recursive: true, force: true });
});

function reset(): void {
  for (const ns of store.list('v1', 'Namespace'))
    store.remove('v1', 'Namespace', undefined, ns.metadata.name);
  store.put(namespaceObject('grpc-lb', { [LAB_MANAGED_BY_LABEL]: LAB_MANAGER }));
  store.put(namespaceObject('payments'));
  store.put(nodeObject('gke-a1', 'europe-west1-b'));
  requests.length = 0;
}

async function lab(args: string[]) {
  return startNode(labMain, args, { timeoutMs: 90_000, env }).finished;
}

const run = (context: string, ...more: string[]) =>
  lab(['l4-lb', '--runtime', 'cluster', '--context', context, '--registry', REGISTRY, ...more]);

describe('the production guard', () => {
  it('refuses a production-looking context without --yes, before it reads anything', async () => {
    reset();
    const done = await run(PROD);
    expect(done.code).toBe(2);
    expect(done.stderr).toContain(
      `context ${PROD} looks like a production cluster (prod, production, prd or live in its name)`,
    );
    expect(requests.filter((r) => r.includes('/namespaces/'))).toEqual([]);
  });

  it('lets it through with --yes: the namespace is read, the lab label found, and the run goes on to the docker check', async () => {
    reset();
    const done = await run(PROD, '--yes');
    expect(done.code).toBe(2);
    expect(done.stderr).not.toContain('production');
    expect(done.stderr).toContain('the cluster runtime needs docker');
    expect(requests).toContain('GET /api/v1/namespaces/grpc-lb');
  });

  it('passes on another context for a lab-labelled namespace and for an absent one', async () => {
    reset();
    const labelled = await run(DEV);
    expect(labelled.stderr).toContain('the cluster runtime needs docker');
    const absent = await run(DEV, '--namespace', 'team-a');
    expect(absent.code).toBe(2);
    expect(absent.stderr).toContain('the cluster runtime needs docker');
    expect(requests).toContain('GET /api/v1/namespaces/team-a');
  });

  it("refuses a namespace that is not the lab's, even with --yes", async () => {
    reset();
    const done = await run(DEV, '--namespace', 'payments', '--yes');
    expect(done.code).toBe(2);
    expect(done.stderr).toContain(
      `namespace payments exists on context ${DEV} and is not the lab's (no app.kubernetes.io/managed-by=grpc-lb-lab label)`,
    );
  });

  it('--dry-run refuses the same way, and an unknown context is a clear error', async () => {
    reset();
    const plan = await run(PROD, '--dry-run');
    expect(plan.code).toBe(2);
    expect(plan.stderr).toContain('looks like a production cluster');
    const unknown = await run('nope');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no kubeconfig context nope');
  });
});

describe('the plan', () => {
  it('from the CLI equals the reviewed snapshot from the manifests check on', async () => {
    const done = await lab([
      'l4-lb',
      '--runtime',
      'cluster',
      '--context',
      'gke_my-project_europe-west1_lab',
      '--registry',
      REGISTRY,
      '--dry-run',
    ]);
    expect(done.code).toBe(0);
    const from = (text: string) =>
      text
        .slice(text.indexOf('## manifests'))
        .replace(/\b[0-9a-f]{12}(-linux-amd64)/g, '<hash>$1')
        .replace(
          /\nlab l4-lb --runtime cluster --dry-run: \d+ commands planned, none run\n$/,
          '\n',
        );
    expect(from(done.stdout)).toBe(from(readFileSync(join(snapshots, 'l4-lb.txt'), 'utf8')));
    expect(done.stdout).toContain('# MISSING here: docker: not found');
  });

  it('refuses cluster options without --runtime cluster, and a cluster run without --registry', async () => {
    const stray = await lab(['l4-lb', '--context', DEV, '--dry-run', '--runtime', 'kind']);
    expect(stray.code).toBe(2);
    expect(stray.stderr).toContain('--context goes with --runtime cluster');
    const bare = await lab(['l4-lb', '--runtime', 'cluster', '--context', DEV, '--dry-run']);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain('--runtime cluster needs --registry');
  });
});

describe('pnpm lab down --runtime cluster', () => {
  it("deletes the lab's namespace, then finds nothing to delete, and leaves other namespaces alone", async () => {
    reset();
    const down = (...more: string[]) =>
      lab(['down', '--runtime', 'cluster', '--context', DEV, ...more]);
    const first = await down();
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`lab down: deleted namespace grpc-lb on context ${DEV}`);
    expect(store.get('v1', 'Namespace', undefined, 'grpc-lb')).toBeUndefined();
    const second = await down();
    expect(second.code).toBe(0);
    expect(second.stdout).toContain(
      `lab down: no namespace grpc-lb on context ${DEV}; nothing to delete`,
    );
    const foreign = await down('--namespace', 'payments');
    expect(foreign.code).toBe(2);
    expect(foreign.stderr).toContain("namespace payments on context lab-dev is not the lab's");
    expect(store.get('v1', 'Namespace', undefined, 'payments')).toBeDefined();
    expect(requests.filter((r) => r.startsWith('DELETE'))).toEqual([
      'DELETE /api/v1/namespaces/grpc-lb',
    ]);
  });
});
