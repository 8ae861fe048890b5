import { describe, expect, it } from 'vitest';
import {
  ChannelPool,
  type PoolChannel,
  type PoolChannelState,
  type PoolEvent,
} from './pool-balancer.js';

interface Fake extends PoolChannel<string> {
  now: PoolChannelState;
  closed: boolean;
}

function fakePool() {
  const opened = new Map<string, Fake>();
  const events: PoolEvent[] = [];
  const pool = new ChannelPool<string>(
    (address) => {
      const fake: Fake = {
        client: address,
        now: 'ready',
        closed: false,
        state: () => (fake.closed ? 'failing' : fake.now),
        close: () => {
          fake.closed = true;
        },
      };
      opened.set(address, fake);
      return fake;
    },
    (event) => events.push(event),
  );
  const pick = () => {
    const lease = pool.acquire();
    lease?.release();
    return lease?.address;
  };
  return { pool, opened, events, pick };
}

describe('ChannelPool', () => {
  it('opens one channel per address and picks them in turn', () => {
    const { pool, opened, pick } = fakePool();
    pool.update(['ipv4:127.0.0.2:1', 'ipv4:127.0.0.1:1']);
    expect([...opened.keys()].sort()).toEqual(['ipv4:127.0.0.1:1', 'ipv4:127.0.0.2:1']);
    expect([pick(), pick(), pick(), pick()]).toEqual([
      'ipv4:127.0.0.1:1',
      'ipv4:127.0.0.2:1',
      'ipv4:127.0.0.1:1',
      'ipv4:127.0.0.2:1',
    ]);
  });

  it('orders addresses by their numbers', () => {
    const { pool } = fakePool();
    pool.update(['ipv4:127.0.0.10:1', 'ipv4:127.0.0.9:1']);
    expect(pool.addresses).toEqual(['ipv4:127.0.0.9:1', 'ipv4:127.0.0.10:1']);
  });

  it('skips a channel in TRANSIENT_FAILURE while another is usable, and not when none is', () => {
    const { pool, opened, pick } = fakePool();
    pool.update(['a', 'b', 'c']);
    opened.get('b')!.now = 'failing';
    expect([pick(), pick(), pick(), pick()]).toEqual(['a', 'c', 'a', 'c']);
    for (const fake of opened.values()) fake.now = 'failing';
    // The call goes somewhere and fails there, so that it is counted.
    expect([pick(), pick(), pick()].sort()).toEqual(['a', 'b', 'c']);
  });

  it('prefers READY channels, and takes one still connecting when none is', () => {
    const { pool, opened, pick } = fakePool();
    pool.update(['a', 'b', 'c']);
    opened.get('a')!.now = 'connecting';
    opened.get('c')!.now = 'failing';
    expect([pick(), pick(), pick()]).toEqual(['b', 'b', 'b']);
    opened.get('b')!.now = 'connecting';
    expect([pick(), pick(), pick(), pick()]).toEqual(['a', 'b', 'a', 'b']);
  });

  it('gives nothing when no address is live', () => {
    const { pool } = fakePool();
    expect(pool.acquire()).toBeUndefined();
    pool.update(['a']);
    pool.update([]);
    expect(pool.acquire()).toBeUndefined();
  });

  it('stops picking a removed address at once and closes it when its last call ends', () => {
    const { pool, opened, events } = fakePool();
    pool.update(['a', 'b']);
    const onA = pool.acquire();
    const onB = pool.acquire();
    expect([onA?.address, onB?.address]).toEqual(['a', 'b']);
    pool.update(['a']);
    expect(events.at(-1)).toEqual({ kind: 'removed', address: 'b', live: 1, inFlight: 1 });
    for (let i = 0; i < 5; i++) expect(pool.acquire()?.address).toBe('a');
    expect(opened.get('b')!.closed).toBe(false);
    onB?.release();
    onB?.release();
    expect(opened.get('b')!.closed).toBe(true);
    expect(events.at(-1)).toEqual({ kind: 'closed', address: 'b' });
    expect(events.filter((e) => e.kind === 'closed')).toHaveLength(1);
  });

  it('closes a removed address with no calls in flight at once', () => {
    const { pool, opened, events } = fakePool();
    pool.update(['a', 'b']);
    pool.update(['b']);
    expect(opened.get('a')!.closed).toBe(true);
    expect(events.map((e) => e.kind)).toEqual(['added', 'added', 'removed', 'closed']);
  });

  it('takes back an address that returns while it drains, on the same channel', () => {
    const { pool, opened, events } = fakePool();
    pool.update(['a', 'b']);
    pool.acquire();
    const onB = pool.acquire();
    pool.update(['a']);
    const channelB = opened.get('b');
    pool.update(['a', 'b']);
    expect(opened.get('b')).toBe(channelB);
    onB?.release();
    expect(channelB?.closed).toBe(false);
    expect(events.map((e) => e.kind)).toEqual(['added', 'added', 'removed', 'added']);
  });

  it('changes nothing for the same list, whatever its order', () => {
    const { pool, events } = fakePool();
    pool.update(['a', 'b']);
    pool.update(['b', 'a']);
    expect(events).toHaveLength(2);
  });

  it('closes live and draining channels on close, and ignores updates after', () => {
    const { pool, opened } = fakePool();
    pool.update(['a', 'b']);
    pool.acquire();
    pool.update(['b']);
    expect(pool.close()).toBe(2);
    expect([...opened.values()].every((fake) => fake.closed)).toBe(true);
    pool.update(['c']);
    expect(opened.has('c')).toBe(false);
    expect(pool.acquire()).toBeUndefined();
  });
});
