import { createSocket } from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import { createServer } from 'node:net';
import { TCPClient } from 'dns2';
import { afterEach, describe, expect, it } from 'vitest';
import { ClusterDns, type ClusterDnsOptions, type DnsAddress } from './cluster-dns.js';

const NAME = 'addr-headless.grpc-lb.svc.cluster.local';
const running: ClusterDns[] = [];

async function serve(options: ClusterDnsOptions = {}): Promise<{ dns: ClusterDns } & DnsAddress> {
  const dns = new ClusterDns({ address: '127.0.0.53', port: 0, ...options });
  running.push(dns);
  return { dns, ...(await dns.start()) };
}

/** A resolver as grpc-js builds it: one server given as `ip:port`. */
function resolverFor({ address, port }: DnsAddress): Resolver {
  const resolver = new Resolver({ timeout: 500, tries: 1 });
  resolver.setServers([`${address}:${port}`]);
  return resolver;
}

function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  return promise.then(
    () => undefined,
    (error: NodeJS.ErrnoException) => error.code,
  );
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((dns) => dns.stop()));
});

describe('ClusterDns', () => {
  it('answers A records with the configured TTL, whatever the case or trailing dot', async () => {
    const server = await serve({ ttlSeconds: 30 });
    server.dns.setRecords(`${NAME}.`, ['127.10.0.1', '127.10.0.2']);
    const answers = await resolverFor(server).resolve4(NAME.toUpperCase(), { ttl: true });
    expect(answers.map((a) => a.address).sort()).toEqual(['127.10.0.1', '127.10.0.2']);
    expect(answers.every((a) => a.ttl === 30)).toBe(true);
  });

  it('shows each update on the next query', async () => {
    const server = await serve();
    const resolver = resolverFor(server);
    server.dns.setRecords(NAME, ['127.10.0.1']);
    expect(await resolver.resolve4(NAME)).toEqual(['127.10.0.1']);
    server.dns.setRecords(NAME, ['127.10.0.2', '127.10.0.3']);
    expect((await resolver.resolve4(NAME)).sort()).toEqual(['127.10.0.2', '127.10.0.3']);
    server.dns.deleteRecords(NAME);
    expect(await codeOf(resolver.resolve4(NAME))).toBe('ENOTFOUND');
  });

  it('tells an unknown name (NXDOMAIN) from a known name with no records (NODATA)', async () => {
    const server = await serve();
    const resolver = resolverFor(server);
    server.dns.setRecords(NAME, []);
    expect(await codeOf(resolver.resolve4(`nope.grpc-lb.svc.cluster.local`))).toBe('ENOTFOUND');
    expect(await codeOf(resolver.resolve4(NAME))).toBe('ENODATA');
  });

  it('answers AAAA and other types for a known name with no records', async () => {
    const server = await serve();
    const resolver = resolverFor(server);
    server.dns.setRecords(NAME, ['127.10.0.1']);
    expect(await codeOf(resolver.resolve6(NAME))).toBe('ENODATA');
    expect(await codeOf(resolver.resolveTxt(NAME))).toBe('ENODATA');
  });

  it('refuses names outside its domain rather than forwarding them', async () => {
    const server = await serve();
    expect(await codeOf(resolverFor(server).resolve4('example.com'))).toBe('EREFUSED');
    expect(() => server.dns.setRecords('example.com', ['127.0.0.1'])).toThrow(
      'not in cluster.local',
    );
    expect(() => server.dns.setRecords(NAME, ['::1'])).toThrow('not an IPv4 address');
  });

  it('answers over TCP on the same port', async () => {
    const server = await serve();
    server.dns.setRecords(NAME, ['127.10.0.7']);
    const query = TCPClient({ dns: server.address, port: server.port });
    const response = await query(NAME, 'A');
    expect(response.answers.map((a) => [a.address, a.ttl])).toEqual([['127.10.0.7', 30]]);
  });

  it('sends an answer too big for UDP over TCP after truncating it', async () => {
    const server = await serve();
    const many = Array.from({ length: 60 }, (_, i) => `127.10.1.${i + 1}`);
    server.dns.setRecords(NAME, many);
    expect((await resolverFor(server).resolve4(NAME)).sort()).toEqual([...many].sort());
  });

  it('orders each answer with the shuffle, random by default', async () => {
    const reversed = await serve({ shuffle: (ips) => [...ips].reverse() });
    reversed.dns.setRecords(NAME, ['127.10.0.1', '127.10.0.2', '127.10.0.3']);
    expect(await resolverFor(reversed).resolve4(NAME)).toEqual([
      '127.10.0.3',
      '127.10.0.2',
      '127.10.0.1',
    ]);

    const random = await serve();
    random.dns.setRecords(NAME, ['127.10.0.1', '127.10.0.2', '127.10.0.3']);
    const resolver = resolverFor(random);
    const firsts = new Set<string>();
    for (let i = 0; i < 40 && firsts.size < 3; i++) firsts.add((await resolver.resolve4(NAME))[0]!);
    expect(firsts.size).toBe(3);
  });

  it('serves the authority of a dns://<server>/<name>:<port> target, as grpc-js uses it', async () => {
    const server = await serve();
    server.dns.setRecords(NAME, ['127.10.0.1']);
    const target = new URL(`dns://${server.address}:${server.port}/${NAME}:50051`);
    // grpc-js's alternative resolver: setServers([authority]), then A and AAAA together.
    const resolver = new Resolver({ timeout: 500, tries: 1 });
    resolver.setServers([target.host]);
    const [a, aaaa] = await Promise.allSettled([resolver.resolve4(NAME), resolver.resolve6(NAME)]);
    expect(a).toEqual({ status: 'fulfilled', value: ['127.10.0.1'] });
    expect(aaaa.status).toBe('rejected');
  });

  it('frees its UDP and TCP port on stop', async () => {
    const server = await serve();
    await server.dns.stop();
    const udp = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject).bind(server.port, server.address, () => resolve());
    });
    udp.close();
    const tcp = createServer();
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject).listen(server.port, server.address, () => resolve());
    });
    await new Promise((resolve) => tcp.close(resolve));
  });
});
