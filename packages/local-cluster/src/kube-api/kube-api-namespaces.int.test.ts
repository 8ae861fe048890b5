/**
 * Nodes with zones, namespaces with labels, and namespace deletion, through
 * real kubectl and plain HTTP: what the cluster runtime's production guard,
 * `pnpm lab down --runtime cluster` and the topology report ask of an API.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalCluster } from '../local-cluster.js';
import {
  LAB_MANAGED_BY_LABEL,
  LAB_MANAGER,
  namespaceObject,
  nodeObject,
  ZONE_LABEL,
} from './cluster-objects.js';
import { KubeApiServer } from './kube-api-server.js';
import { KubeStore } from './kube-store.js';

const run = promisify(execFile);

let dir = '';
let server: KubeApiServer | undefined;
let cluster: LocalCluster | undefined;

async function kubectl(
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(
      'kubectl',
      ['--kubeconfig', join(dir, 'kubeconfig'), '--cache-dir', join(dir, 'cache'), ...args],
      { env: { ...process.env, HOME: dir, KUBECONFIG: '' }, timeout: 20_000 },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? 1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

beforeEach(async () => {
  if (spawnSync('kubectl', ['version', '--client'], { timeout: 20_000 }).error) {
    throw new Error('kubectl is not on PATH: install it to run this test');
  }
  dir = await mkdtemp(join(tmpdir(), 'kube-api-namespaces-'));
});

afterEach(async () => {
  await server?.stop();
  server = undefined;
  await cluster?.stop();
  cluster = undefined;
  await rm(dir, { recursive: true, force: true });
});

/** A bare API server over a store holding what the test puts there. */
async function serve(store: KubeStore, protectedNamespaces: string[] = []): Promise<string> {
  server = new KubeApiServer({ store, host: '127.88.7.1', protectedNamespaces });
  const { url } = await server.start();
  await writeFile(join(dir, 'kubeconfig'), server.kubeconfig());
  return url;
}

describe('namespaces', () => {
  it('are read with their labels, and a missing one is a 404 kubectl can ignore', async () => {
    const store = new KubeStore();
    store.put(namespaceObject('grpc-lb', { [LAB_MANAGED_BY_LABEL]: LAB_MANAGER }));
    store.put(namespaceObject('payments'));
    await serve(store);
    const lab = await kubectl('get', 'namespace', 'grpc-lb', '-o', 'json');
    expect(lab.code).toBe(0);
    expect(JSON.parse(lab.stdout).metadata.labels).toEqual({
      [LAB_MANAGED_BY_LABEL]: LAB_MANAGER,
      'kubernetes.io/metadata.name': 'grpc-lb',
    });
    const absent = await kubectl('get', 'namespace', 'nope', '--ignore-not-found', '-o', 'json');
    expect(absent).toEqual({ code: 0, stdout: '', stderr: '' });
    const missing = await kubectl('get', 'namespace', 'nope');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('namespaces "nope" not found');
  });

  it('delete removes the namespace and everything in it; a second delete is a 404', async () => {
    const store = new KubeStore();
    store.put(namespaceObject('team-a', { [LAB_MANAGED_BY_LABEL]: LAB_MANAGER }));
    store.put(namespaceObject('payments'));
    for (const [namespace, name] of [
      ['team-a', 'one'],
      ['payments', 'two'],
    ] as const) {
      store.put({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name, namespace },
        spec: { clusterIP: 'None' },
      });
    }
    await serve(store);
    const deleted = await kubectl('delete', 'namespace', 'team-a', '--wait', '--timeout=20s');
    expect(deleted).toMatchObject({ code: 0, stdout: 'namespace "team-a" deleted\n' });
    expect(store.get('v1', 'Namespace', undefined, 'team-a')).toBeUndefined();
    expect(store.list('v1', 'Service', 'team-a')).toEqual([]);
    // Another namespace keeps its objects.
    expect(store.list('v1', 'Service', 'payments').map((s) => s.metadata.name)).toEqual(['two']);
    const again = await kubectl('delete', 'namespace', 'team-a', '--ignore-not-found', '--wait');
    expect(again).toEqual({ code: 0, stdout: '', stderr: '' });
    const strict = await kubectl('delete', 'namespace', 'team-a');
    expect(strict.code).toBe(1);
    expect(strict.stderr).toContain('namespaces "team-a" not found');
  });

  it('a protected namespace is refused with 403, as the API server refuses kube-system', async () => {
    const store = new KubeStore();
    store.put(namespaceObject('grpc-lb'));
    const url = await serve(store, ['grpc-lb']);
    const response = await fetch(`${url}/api/v1/namespaces/grpc-lb`, { method: 'DELETE' });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({
      reason: 'Forbidden',
      message: 'namespaces "grpc-lb" is forbidden: this namespace may not be deleted',
    });
    expect(store.get('v1', 'Namespace', undefined, 'grpc-lb')).toBeDefined();
  });
});

describe('nodes', () => {
  it('kubectl lists them with their zone label', async () => {
    const store = new KubeStore();
    store.put(nodeObject('node-1', 'europe-west1-b'));
    store.put(nodeObject('node-2', undefined));
    await serve(store);
    const table = await kubectl('get', 'nodes', '-L', ZONE_LABEL);
    expect(table.code).toBe(0);
    const lines = table.stdout
      .trim()
      .split('\n')
      .map((line) => line.trim().split(/\s{2,}/));
    expect(lines[0]).toEqual(['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION', 'ZONE']);
    expect(lines[1]).toEqual([
      'node-1',
      'Ready',
      '<none>',
      expect.any(String),
      'v1.32.0',
      'europe-west1-b',
    ]);
    expect(lines[2]?.slice(0, 2)).toEqual(['node-2', 'Ready']);
    expect(lines[2]).toHaveLength(5);
  });

  it("the local cluster's nodes take turns over two zones, and its namespace is the lab's", async () => {
    const kubeconfigPath = join(dir, 'kubeconfig');
    cluster = new LocalCluster({ kubeconfigPath, nodes: ['node-1', 'node-2', 'node-3'] });
    await cluster.start();
    expect(cluster.nodeZones()).toEqual({
      'node-1': 'zone-a',
      'node-2': 'zone-b',
      'node-3': 'zone-a',
    });
    const nodes = JSON.parse((await kubectl('get', 'nodes', '-o', 'json')).stdout) as {
      items: { metadata: { name: string; labels: Record<string, string> } }[];
    };
    expect(nodes.items.map((n) => [n.metadata.name, n.metadata.labels[ZONE_LABEL]])).toEqual([
      ['node-1', 'zone-a'],
      ['node-2', 'zone-b'],
      ['node-3', 'zone-a'],
    ]);
    const namespace = JSON.parse(
      (await kubectl('get', 'namespace', cluster.namespace, '-o', 'json')).stdout,
    );
    expect(namespace.metadata.labels[LAB_MANAGED_BY_LABEL]).toBe(LAB_MANAGER);
    const refused = await kubectl('delete', 'namespace', cluster.namespace);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('this namespace may not be deleted');
  });
});
