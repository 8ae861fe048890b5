/** LocalCluster with real addr-server pods: endpoints, DNS, the L4 Service, and their order. */
import { promises as dns } from 'node:dns';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalCluster } from './local-cluster.js';

let cluster: LocalCluster | undefined;

afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

async function resolve(cluster: LocalCluster, name: string): Promise<string[]> {
  const resolver = new dns.Resolver();
  resolver.setServers([cluster.dnsServer]);
  return (await resolver.resolve4(name)).sort();
}

async function addr(url: string): Promise<{ podName: string }> {
  return (await (await fetch(url, { headers: { connection: 'close' } })).json()) as {
    podName: string;
  };
}

describe('LocalCluster', () => {
  it('publishes Ready pods as headless A records and takes a removed pod out before it stops', async () => {
    cluster = new LocalCluster({ dnsTtlSeconds: 5 });
    await cluster.start();
    // A long drain delay keeps a terminating pod alive long enough to look at.
    await cluster.createDeployment({
      name: 'web',
      replicas: 2,
      args: ['--drain-delay', '3s'],
      terminationGracePeriodMs: 10_000,
    });
    await cluster.createService({ name: 'web', kind: 'headless', deployment: 'web' });
    const pods = cluster.pods();
    expect(await resolve(cluster, 'web.grpc-lb.svc.cluster.local')).toEqual(
      pods.map((p) => p.ip).sort(),
    );

    await cluster.scale('web', 1);
    const [kept] = cluster.endpoints('web');
    const removed = cluster.pods().find((p) => p.name !== kept);
    expect(removed?.terminatingAt).toBeDefined();
    expect(removed?.exitedAt).toBeUndefined();
    // Out of DNS already, while its process still answers.
    expect(await resolve(cluster, 'web.grpc-lb.svc.cluster.local')).toEqual([
      cluster.pods().find((p) => p.name === kept)?.ip,
    ]);
    expect((await fetch(`http://${removed?.ip}:8080/healthz`)).status).toBe(200);
  }, 20_000);

  it('spreads new connections through a ClusterIP Service over the Ready pods', async () => {
    cluster = new LocalCluster();
    await cluster.start();
    await cluster.createDeployment({
      name: 'web',
      replicas: 3,
      args: [],
      terminationGracePeriodMs: 5000,
    });
    await cluster.createService({ name: 'web', kind: 'clusterip', deployment: 'web' });
    expect(await resolve(cluster, 'web.grpc-lb.svc.cluster.local')).toEqual([
      cluster.clusterIp('web'),
    ]);
    const seen = new Set<string>();
    for (let i = 0; i < 40 && seen.size < 3; i++) {
      seen.add((await addr(`http://${cluster.clusterIp('web')}:8080/addr`)).podName);
    }
    expect([...seen].sort()).toEqual(cluster.endpoints('web').sort());
  }, 20_000);

  it('replaces every pod on a rollout restart and stops them all on stop()', async () => {
    cluster = new LocalCluster();
    await cluster.start();
    await cluster.createDeployment({
      name: 'web',
      replicas: 2,
      args: [],
      terminationGracePeriodMs: 5000,
    });
    const before = cluster.endpoints('web');
    await cluster.rolloutRestart('web');
    const after = cluster.endpoints('web');
    expect(after).toHaveLength(2);
    expect(after.filter((name) => before.includes(name))).toEqual([]);
    await cluster.stop();
    expect(cluster.pods().every((pod) => pod.exitedAt !== undefined)).toBe(true);
    cluster = undefined;
  }, 20_000);
});
