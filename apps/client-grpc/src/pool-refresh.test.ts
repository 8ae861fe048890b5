import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { ChannelPool } from './pool-balancer.js';
import { describePoolEvent, type PoolRefresh, startPoolRefresh } from './pool-refresh.js';
import type { Resolution } from './pool-resolver.js';

const refreshes: PoolRefresh[] = [];
afterEach(() => {
  for (const refresh of refreshes.splice(0)) refresh.stop();
});

/** A resolver that gives the scripted answers in turn, then repeats the last. */
function scripted(answers: Resolution[]) {
  let calls = 0;
  return {
    get calls() {
      return calls;
    },
    resolver: {
      describe: 'addr.test',
      resolve: async () => answers[Math.min(calls++, answers.length - 1)] as Resolution,
    },
  };
}

function start(answers: Resolution[], intervalMs = 20) {
  const lines: string[] = [];
  const pool = new ChannelPool<string>(
    (address) => ({ client: address, state: () => 'ready' as const, close: () => {} }),
    (event) => lines.push(describePoolEvent(event)),
  );
  const script = scripted(answers);
  const refresh = startPoolRefresh({
    resolver: script.resolver,
    pool,
    port: 50051,
    intervalMs,
    log: (line) => lines.push(line),
  });
  refreshes.push(refresh);
  return { pool, lines, script, refresh };
}

const found = (...addresses: string[]): Resolution => ({ kind: 'addresses', addresses });
const failed: Resolution = {
  kind: 'failed',
  code: 'ETIMEOUT',
  message: 'no answer within 1000 ms',
};
const nxdomain: Resolution = { kind: 'none', code: 'ENOTFOUND' };

describe('startPoolRefresh', () => {
  it('applies the first lookup before it is ready', async () => {
    const { pool, refresh, lines } = start([found('127.0.0.1', '127.0.0.2')], 60_000);
    await refresh.ready;
    expect(pool.addresses).toEqual(['ipv4:127.0.0.1:50051', 'ipv4:127.0.0.2:50051']);
    expect(lines).toEqual([
      'pool: added ipv4:127.0.0.1:50051 (1 live)',
      'pool: added ipv4:127.0.0.2:50051 (2 live)',
    ]);
  });

  it('looks up again every interval and follows the answers', async () => {
    const { pool, refresh, script } = start([found('127.0.0.1'), found('127.0.0.1', '127.0.0.3')]);
    await refresh.ready;
    await sleep(200);
    expect(pool.addresses).toEqual(['ipv4:127.0.0.1:50051', 'ipv4:127.0.0.3:50051']);
    // 20 ms apart for 200 ms; generous bounds for a busy machine.
    expect(script.calls).toBeGreaterThanOrEqual(4);
    expect(script.calls).toBeLessThanOrEqual(12);
  });

  it('keeps the last good list when lookups fail, and says so once', async () => {
    const { pool, refresh, lines } = start([found('127.0.0.1', '127.0.0.2'), failed]);
    await refresh.ready;
    await sleep(150);
    expect(pool.addresses).toHaveLength(2);
    expect(lines.filter((line) => line.includes('failed'))).toEqual([
      'pool: lookup of addr.test failed (ETIMEOUT: no answer within 1000 ms); keeping the last 2 addresses',
    ]);
  });

  it('empties the pool on NXDOMAIN, says so once, and fills it when records return', async () => {
    const { pool, refresh, lines } = start([
      found('127.0.0.1'),
      nxdomain,
      nxdomain,
      nxdomain,
      found('127.0.0.2'),
    ]);
    await refresh.ready;
    await sleep(50);
    await waitUntil(() => pool.addresses[0] === 'ipv4:127.0.0.2:50051');
    expect(lines).toEqual([
      'pool: added ipv4:127.0.0.1:50051 (1 live)',
      'pool: addr.test has no A records (ENOTFOUND): no addresses, calls fail with UNAVAILABLE until it has some',
      'pool: removed ipv4:127.0.0.1:50051 (0 live); no calls in flight',
      'pool: closed ipv4:127.0.0.1:50051',
      'pool: addr.test resolves again',
      'pool: added ipv4:127.0.0.2:50051 (1 live)',
    ]);
  });

  it('looks up no more once stopped', async () => {
    const { refresh, script } = start([found('127.0.0.1')]);
    await refresh.ready;
    refresh.stop();
    const calls = script.calls;
    await sleep(100);
    expect(script.calls).toBe(calls);
  });
});

async function waitUntil(predicate: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(10);
  }
}
