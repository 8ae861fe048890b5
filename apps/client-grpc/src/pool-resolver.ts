import { promises as dns } from 'node:dns';
import { isIP, isIPv4 } from 'node:net';
import { UsageError } from '@lab/cli';
import type { ParsedTarget } from './target.js';

// No grpc-js here: main.ts imports this statically, before it decides
// GRPC_NODE_USE_ALTERNATIVE_RESOLVER for channel mode.

/**
 * The OpenTelemetry Collector load-balancing exporter's DNS resolver
 * defaults (`defaultResInterval`, `defaultResTimeout` in its resolver_dns.go).
 */
export const DEFAULT_RESOLVE_INTERVAL_MS = 5_000;
export const RESOLVE_TIMEOUT_MS = 1_000;

/** grpc-js's port for a `dns:` target that names none. */
const DEFAULT_PORT = 443;

/** What the pool resolves: a host name, the port every address gets, and maybe a DNS server. */
export interface PoolTarget {
  host: string;
  port: number;
  /** `ip[:port]` from `dns://server/…`; undefined: the system resolver. */
  dnsServer: string | undefined;
}

/**
 * - `addresses`: the A records, sorted and unique.
 * - `none`: the server answered that the name has no A records: NXDOMAIN
 *   (ENOTFOUND), which CoreDNS gives a headless Service with no ready
 *   endpoints, or an empty answer (ENODATA).
 * - `failed`: no answer worth believing (timeout, refused, SERVFAIL…).
 */
export type Resolution =
  | { kind: 'addresses'; addresses: string[] }
  | { kind: 'none'; code: string }
  | { kind: 'failed'; code: string; message: string };

export interface PoolResolver {
  /** For log lines: `name` or `name via server`. */
  readonly describe: string;
  resolve(): Promise<Resolution>;
}

/** Checks that `--mode pool` can use this target; a UsageError says why not. */
export function poolTargetOf(target: ParsedTarget): PoolTarget {
  if (target.scheme !== 'dns') {
    throw new UsageError(
      `--mode pool needs a dns: target (dns:///name:port or dns://server:port/name:port), got '${target.target}'`,
    );
  }
  const { host, port } = splitHostPort(target.path);
  if (isIP(host) === 6) {
    throw new UsageError(`--mode pool resolves A records only, got the IPv6 address '${host}'`);
  }
  const dnsServer = target.authority;
  if (dnsServer !== undefined && isIP(splitHostPort(dnsServer).host) === 0) {
    throw new UsageError(
      `--mode pool asks the DNS server in the target by address, got '${dnsServer}'`,
    );
  }
  return { host, port: port ?? DEFAULT_PORT, dnsServer };
}

/**
 * Resolves the target's host with Node's dns module: a Resolver pointed at
 * the named server, else `dns.lookup` (getaddrinfo: /etc/hosts and the search
 * domains of /etc/resolv.conf, as grpc-js's default resolver and Go's
 * net.DefaultResolver in the exporter). Neither caches answers, so the TTL of
 * a record plays no part (pool-resolver.test.ts checks it); a caching
 * resolver on the host (nscd, systemd-resolved) would.
 */
export function createPoolResolver(
  target: PoolTarget,
  timeoutMs: number = RESOLVE_TIMEOUT_MS,
): PoolResolver {
  const { host, dnsServer } = target;
  if (isIPv4(host)) {
    return { describe: host, resolve: async () => ({ kind: 'addresses', addresses: [host] }) };
  }
  if (dnsServer !== undefined) {
    // tries: 1, so that the timeout bounds the whole lookup as the exporter's does.
    const resolver = new dns.Resolver({ timeout: timeoutMs, tries: 1 });
    resolver.setServers([dnsServer]);
    return {
      describe: `${host} via ${dnsServer}`,
      resolve: () =>
        classify(
          withTimeout(resolver.resolve4(host), timeoutMs, () => resolver.cancel()),
          timeoutMs,
        ),
    };
  }
  return {
    describe: host,
    resolve: () =>
      classify(
        withTimeout(
          dns.lookup(host, { all: true, family: 4 }).then((found) => found.map((a) => a.address)),
          timeoutMs,
          () => {},
        ),
        timeoutMs,
      ),
  };
}

/** A timeout code of our own, so that a cancelled lookup reads as what it was. */
const TIMED_OUT = 'ETIMEOUT';

async function classify(lookup: Promise<string[]>, timeoutMs: number): Promise<Resolution> {
  try {
    const addresses = [...new Set(await lookup)].filter((a) => isIPv4(a)).sort();
    // An answer with no A records is as authoritative as NXDOMAIN.
    if (addresses.length === 0) return { kind: 'none', code: 'ENODATA' };
    return { kind: 'addresses', addresses };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'UNKNOWN';
    if (code === 'ENOTFOUND' || code === 'ENODATA') return { kind: 'none', code };
    if (code === TIMED_OUT || code === 'ECANCELLED') {
      return { kind: 'failed', code: TIMED_OUT, message: `no answer within ${timeoutMs} ms` };
    }
    return { kind: 'failed', code, message: (error as Error).message };
  }
}

function withTimeout<T>(work: Promise<T>, timeoutMs: number, cancel: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      cancel();
      reject(Object.assign(new Error('timed out'), { code: TIMED_OUT }));
    }, timeoutMs);
  });
  // The loser of the race must not surface as an unhandled rejection.
  work.catch(() => {});
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

function splitHostPort(hostPort: string): { host: string; port: number | undefined } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(hostPort);
  if (bracketed) return { host: bracketed[1] ?? '', port: toPort(bracketed[2]) };
  const parts = hostPort.split(':');
  if (parts.length === 2) return { host: parts[0] ?? '', port: toPort(parts[1]) };
  return { host: hostPort, port: undefined };
}

function toPort(text: string | undefined): number | undefined {
  return text === undefined ? undefined : Number(text);
}
