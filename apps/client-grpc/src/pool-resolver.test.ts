/**
 * The pool's lookups against a real DNS server (the lab's cluster DNS, in
 * this process, on 127.0.8.53): what it makes of answers, NXDOMAIN, empty
 * answers, a dead or silent server, and of TTLs.
 */
import { createSocket, type Socket } from 'node:dgram';
import { ClusterDns } from '@lab/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { createPoolResolver, type PoolTarget, poolTargetOf } from './pool-resolver.js';
import { parseTarget } from './target.js';

const NAME = 'addr-headless.grpc-lb.svc.cluster.local';
const running: ClusterDns[] = [];
const sockets: Socket[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((dns) => dns.stop()));
  for (const socket of sockets.splice(0)) socket.close();
});

async function clusterDns(ttlSeconds = 30): Promise<{ dns: ClusterDns; server: string }> {
  const dns = new ClusterDns({ address: '127.0.8.53', ttlSeconds });
  running.push(dns);
  const { address, port } = await dns.start();
  return { dns, server: `${address}:${port}` };
}

function via(server: string, port = 50051): PoolTarget {
  return { host: NAME, port, dnsServer: server };
}

describe('poolTargetOf', () => {
  it('takes the name, the port and the DNS server of a dns: target', () => {
    expect(poolTargetOf(parseTarget(`dns://127.0.8.53:5353/${NAME}:50051`))).toEqual({
      host: NAME,
      port: 50051,
      dnsServer: '127.0.8.53:5353',
    });
    expect(poolTargetOf(parseTarget(`dns:///${NAME}`))).toEqual({
      host: NAME,
      port: 443,
      dnsServer: undefined,
    });
    expect(poolTargetOf(parseTarget('addr-server:8000'))).toMatchObject({ port: 8000 });
  });

  it.each([
    ['ipv4:127.0.8.1:50051', '--mode pool needs a dns: target'],
    ['passthrough:///addr-server:50051', '--mode pool needs a dns: target'],
    ['dns://ns.example:53/addr-server:50051', 'asks the DNS server in the target by address'],
    ['dns:///[::1]:50051', 'resolves A records only'],
  ])('refuses %s', (target, message) => {
    expect(() => poolTargetOf(parseTarget(target))).toThrow(message);
  });
});

describe('createPoolResolver', () => {
  it('asks the named server and gives its A records, sorted', async () => {
    const { dns, server } = await clusterDns();
    dns.setRecords(NAME, ['127.10.0.3', '127.10.0.1', '127.10.0.2']);
    expect(await createPoolResolver(via(server)).resolve()).toEqual({
      kind: 'addresses',
      addresses: ['127.10.0.1', '127.10.0.2', '127.10.0.3'],
    });
  });

  it('tells NXDOMAIN and an empty answer (no addresses) from a failed lookup', async () => {
    const { dns, server } = await clusterDns();
    const resolver = createPoolResolver(via(server));
    expect(await resolver.resolve()).toEqual({ kind: 'none', code: 'ENOTFOUND' });
    dns.setRecords(NAME, []);
    expect(await resolver.resolve()).toEqual({ kind: 'none', code: 'ENODATA' });
  });

  it('sees a change on the very next lookup, whatever the TTL: Node does not cache', async () => {
    const { dns, server } = await clusterDns(300);
    const resolver = createPoolResolver(via(server));
    dns.setRecords(NAME, ['127.10.0.1']);
    expect(await resolver.resolve()).toMatchObject({ addresses: ['127.10.0.1'] });
    dns.setRecords(NAME, ['127.10.0.1', '127.10.0.2']);
    expect(await resolver.resolve()).toMatchObject({ addresses: ['127.10.0.1', '127.10.0.2'] });
  });

  it('reports a server that does not answer as failed, within the timeout', async () => {
    // A UDP socket that reads queries and never answers them.
    const silent = createSocket('udp4');
    sockets.push(silent);
    await new Promise<void>((resolve) => silent.bind(0, '127.0.8.54', resolve));
    const resolver = createPoolResolver(via(`127.0.8.54:${silent.address().port}`), 300);
    const started = performance.now();
    const outcome = await resolver.resolve();
    const tookMs = performance.now() - started;
    expect(outcome).toMatchObject({ kind: 'failed', code: 'ETIMEOUT' });
    expect(tookMs).toBeGreaterThanOrEqual(250);
    expect(tookMs).toBeLessThan(1_500);
  });

  it('reports a server that is gone as failed', async () => {
    const { dns, server } = await clusterDns();
    await dns.stop();
    const outcome = await createPoolResolver(via(server), 300).resolve();
    expect(outcome.kind).toBe('failed');
  });

  it('uses the system resolver when the target names no server', async () => {
    // localhost comes from /etc/hosts: no query leaves the machine.
    const resolver = createPoolResolver({ host: 'localhost', port: 1, dnsServer: undefined });
    expect(resolver.describe).toBe('localhost');
    expect(await resolver.resolve()).toMatchObject({ kind: 'addresses' });
  });

  it('takes an IPv4 address as it is', async () => {
    const resolver = createPoolResolver({ host: '127.10.0.9', port: 1, dnsServer: '127.0.8.99' });
    expect(await resolver.resolve()).toEqual({ kind: 'addresses', addresses: ['127.10.0.9'] });
  });
});
