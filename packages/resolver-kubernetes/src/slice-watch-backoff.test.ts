import { describe, expect, it } from 'vitest';
import { Backoff } from './slice-watch-backoff.js';

describe('Backoff', () => {
  it('grows 1.6× per failure up to the cap, and starts over after reset()', () => {
    const backoff = new Backoff({ initialMs: 1000, maxMs: 30_000 }, () => 0.5);
    const delays = Array.from({ length: 10 }, () => backoff.next());
    expect(delays.slice(0, 4)).toEqual([1000, 1600, 2560, 4096]);
    expect(delays.at(-1)).toBe(30_000);
    expect(backoff.failuresInARow).toBe(10);
    backoff.reset();
    expect(backoff.next()).toBe(1000);
  });

  it('spreads each delay by ± the jitter, never past the cap', () => {
    const low = new Backoff({ initialMs: 1000, maxMs: 1000 }, () => 0);
    const high = new Backoff({ initialMs: 1000, maxMs: 1000 }, () => 0.999_999);
    expect(low.next()).toBe(800);
    expect(high.next()).toBe(1000);
    const wide = new Backoff({ initialMs: 1000, maxMs: 5000, jitter: 0.5 }, () => 0.999_999);
    expect(wide.next()).toBe(1500);
  });
});
