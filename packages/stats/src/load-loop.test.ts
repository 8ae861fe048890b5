import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { runLoadLoop } from './load-loop.js';

const never = () => new AbortController().signal;

/** Tracks how many calls run at once and the most ever seen. */
function gauge(callMs: number) {
  const state = { started: 0, inFlight: 0, maxInFlight: 0 };
  const callOnce = async () => {
    state.started += 1;
    state.inFlight += 1;
    state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
    await sleep(callMs);
    state.inFlight -= 1;
  };
  return { state, callOnce };
}

describe('runLoadLoop, open loop', () => {
  it('issues calls on schedule: about 100 at 200 rps over 500 ms, spread out', async () => {
    const startedAt: number[] = [];
    const t0 = performance.now();
    let skipped = 0;
    await runLoadLoop(
      async () => {
        startedAt.push(performance.now() - t0);
      },
      { rps: 200, concurrency: 50, durationMs: 500, signal: never(), onSkipped: () => skipped++ },
    );
    // The stop timer may fire a little late on a busy machine; each late
    // 5 ms adds one call, so the upper bound is looser than the lower.
    expect(startedAt.length).toBeGreaterThanOrEqual(95);
    expect(startedAt.length).toBeLessThanOrEqual(115);
    expect(skipped).toBe(0);
    // Paced, not a burst: roughly half of them in the first half.
    const firstHalf = startedAt.filter((t) => t < 250).length;
    expect(firstHalf).toBeGreaterThanOrEqual(40);
    expect(firstHalf).toBeLessThanOrEqual(60);
  });

  it('counts due calls it could not start as skipped, and waits for calls in flight', async () => {
    const { state, callOnce } = gauge(100);
    let skipped = 0;
    await runLoadLoop(callOnce, {
      rps: 100,
      concurrency: 2,
      durationMs: 300,
      signal: never(),
      onSkipped: () => skipped++,
    });
    expect(state.maxInFlight).toBe(2);
    expect(state.inFlight).toBe(0);
    // ~30 due: about 2 started per 100 ms call time, the rest skipped.
    expect(state.started).toBeLessThanOrEqual(8);
    expect(skipped).toBeGreaterThanOrEqual(18);
    expect(state.started + skipped).toBeGreaterThanOrEqual(27);
    expect(state.started + skipped).toBeLessThanOrEqual(36);
  });
});

describe('runLoadLoop, closed loop', () => {
  it('never has more than `concurrency` calls in flight', async () => {
    const { state, callOnce } = gauge(5);
    await runLoadLoop(callOnce, { rps: 0, concurrency: 3, durationMs: 200, signal: never() });
    expect(state.maxInFlight).toBe(3);
    expect(state.inFlight).toBe(0);
    // Each caller starts its next call as the last one ends: ~40 calls each.
    expect(state.started).toBeGreaterThan(30);
  });
});

describe('runLoadLoop, stopping', () => {
  for (const rps of [0, 500]) {
    it(`stops when the signal aborts (rps ${rps}), even with calls that never reach I/O`, async () => {
      const controller = new AbortController();
      let calls = 0;
      setTimeout(() => controller.abort(), 50);
      const t0 = performance.now();
      await runLoadLoop(
        async () => {
          calls += 1;
          // A spinning loop blocks vitest's own timeout too; fail instead of hanging.
          if (performance.now() - t0 > 1000) throw new Error('the abort timer never ran');
        },
        { rps, concurrency: 4, signal: controller.signal },
      );
      expect(performance.now() - t0).toBeLessThan(500);
      expect(calls).toBeGreaterThan(0);
      const atStop = calls;
      await sleep(30);
      expect(calls).toBe(atStop);
    });
  }

  for (const rps of [0, 500]) {
    it(`stops and rethrows when a call rejects (rps ${rps})`, async () => {
      const { state, callOnce } = gauge(5);
      let completed = 0;
      const failing = async () => {
        await callOnce();
        completed += 1;
        if (completed === 3) throw new Error('bug in the caller');
      };
      await expect(
        runLoadLoop(failing, { rps, concurrency: 2, durationMs: 1000, signal: never() }),
      ).rejects.toThrow('bug in the caller');
      expect(state.inFlight).toBe(0);
      const atStop = state.started;
      await sleep(30);
      expect(state.started).toBe(atStop);
    });
  }
});
