import { setTimeout as sleep } from 'node:timers/promises';
import type { ChannelPool, PoolEvent } from './pool-balancer.js';
import type { PoolResolver, Resolution } from './pool-resolver.js';

export interface PoolRefreshOptions {
  resolver: PoolResolver;
  pool: ChannelPool<unknown>;
  /** The port every resolved address gets. */
  port: number;
  intervalMs: number;
  /** One line for a person, on stderr: the pool's changes and the lookups' troubles. */
  log: (line: string) => void;
}

export interface PoolRefresh {
  /** Resolves once the first lookup has been applied, whatever its outcome. */
  readonly ready: Promise<void>;
  /** Stops the timer; the lookup under way, if any, is ignored. */
  stop(): void;
}

/** The channel target of one resolved address. */
export function poolAddress(ip: string, port: number): string {
  return `ipv4:${ip}:${port}`;
}

/**
 * Resolves the name now and then every `intervalMs`, as the OpenTelemetry
 * load-balancing exporter does, and hands each answer to the pool:
 * - addresses: the pool becomes exactly those;
 * - a failed lookup (timeout, refused, SERVFAIL): the pool keeps the last
 *   good list, as the exporter keeps its endpoints on any error;
 * - NXDOMAIN or an empty answer: the pool empties. Here the lab parts from
 *   the exporter (whose Go resolver reports both as errors, so it keeps
 *   sending to the old list): CoreDNS answers NXDOMAIN for a headless
 *   Service with no ready endpoints, and those old addresses are pods that
 *   Kubernetes has taken out of service. Calls then fail at once with
 *   UNAVAILABLE and are counted, until a lookup finds addresses again.
 * Like a Go ticker, a slow lookup delays the next tick; lookups never overlap.
 */
export function startPoolRefresh(options: PoolRefreshOptions): PoolRefresh {
  const { resolver, pool, port, intervalMs, log } = options;
  const stopper = new AbortController();
  let lastTrouble: string | undefined;

  const apply = (resolution: Resolution) => {
    if (stopper.signal.aborted) return;
    if (resolution.kind === 'addresses') {
      if (lastTrouble !== undefined) log(`pool: ${resolver.describe} resolves again`);
      lastTrouble = undefined;
      pool.update(resolution.addresses.map((ip) => poolAddress(ip, port)));
      return;
    }
    const trouble = `${resolution.kind}:${resolution.code}`;
    // Once per kind of trouble: a dead DNS server must not print a line per tick.
    const first = trouble !== lastTrouble;
    lastTrouble = trouble;
    if (resolution.kind === 'none') {
      if (first) {
        log(
          `pool: ${resolver.describe} has no A records (${resolution.code}): ` +
            'no addresses, calls fail with UNAVAILABLE until it has some',
        );
      }
      pool.update([]);
      return;
    }
    if (first) {
      const kept = pool.addresses.length;
      log(
        `pool: lookup of ${resolver.describe} failed (${resolution.code}: ${resolution.message}); ` +
          `keeping the last ${kept} address${kept === 1 ? '' : 'es'}`,
      );
    }
  };

  const once = async () => apply(await resolver.resolve());
  const ready = once();
  void (async () => {
    await ready;
    let nextAt = performance.now();
    while (!stopper.signal.aborted) {
      // Ticks missed during a slow lookup are skipped, not made up in a burst.
      do nextAt += intervalMs;
      while (nextAt <= performance.now());
      try {
        await sleep(nextAt - performance.now(), undefined, { signal: stopper.signal });
      } catch {
        return;
      }
      await once();
    }
  })();
  return { ready, stop: () => stopper.abort() };
}

/** The log line for one change of the pool. */
export function describePoolEvent(event: PoolEvent): string {
  switch (event.kind) {
    case 'added':
      return `pool: added ${event.address} (${event.live} live)`;
    case 'removed':
      return (
        `pool: removed ${event.address} (${event.live} live); ` +
        (event.inFlight === 0
          ? 'no calls in flight'
          : `closing it after its ${event.inFlight} call${event.inFlight === 1 ? '' : 's'} in flight`)
      );
    case 'closed':
      return `pool: closed ${event.address}`;
  }
}
