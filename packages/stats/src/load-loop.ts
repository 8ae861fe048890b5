import { setTimeout as sleep } from 'node:timers/promises';

export interface LoadLoopOptions {
  /**
   * Calls per second, open loop: calls start on schedule whether or not
   * earlier ones have finished, so a slow server does not lower the offered
   * load. 0 means closed loop: `concurrency` callers, each starting its next
   * call when the previous one ends.
   */
  rps: number;
  /** Closed loop: number of callers. Open loop: most calls in flight at once. */
  concurrency: number;
  /** Stop after this long; undefined runs until the signal aborts. */
  durationMs?: number | undefined;
  signal: AbortSignal;
  /** Open loop: a call was due but `concurrency` calls were in flight. */
  onSkipped?: () => void;
}

/** The scheduler wakes this often and starts every call that has come due. */
const OPEN_LOOP_TICK_MS = 2;

/**
 * Drives `callOnce` until the duration ends or the signal aborts, then waits
 * for the calls in flight. `callOnce` records its own outcome and must not
 * reject; a rejection is a bug in the caller and is rethrown.
 */
export async function runLoadLoop(
  callOnce: () => Promise<void>,
  options: LoadLoopOptions,
): Promise<void> {
  const stop = AbortSignal.any(
    options.durationMs === undefined
      ? [options.signal]
      : [options.signal, AbortSignal.timeout(options.durationMs)],
  );
  if (options.rps > 0) {
    await openLoop(callOnce, options, stop);
  } else {
    await closedLoop(callOnce, options.concurrency, stop);
  }
}

async function closedLoop(
  callOnce: () => Promise<void>,
  concurrency: number,
  stop: AbortSignal,
): Promise<void> {
  const caller = async () => {
    while (!stop.aborted) await callOnce();
  };
  await Promise.all(Array.from({ length: concurrency }, caller));
}

async function openLoop(
  callOnce: () => Promise<void>,
  options: LoadLoopOptions,
  stop: AbortSignal,
): Promise<void> {
  const inFlight = new Set<Promise<void>>();
  const started = performance.now();
  let issued = 0;
  while (!stop.aborted) {
    const due = Math.floor(((performance.now() - started) * options.rps) / 1000);
    // Due calls are counted against the schedule, not against the previous
    // tick, so timer jitter never lowers the offered rate.
    while (issued < due) {
      issued += 1;
      if (inFlight.size >= options.concurrency) {
        options.onSkipped?.();
        continue;
      }
      const call = callOnce().finally(() => inFlight.delete(call));
      inFlight.add(call);
    }
    await sleep(OPEN_LOOP_TICK_MS, undefined, { signal: stop }).catch(() => undefined);
  }
  await Promise.all(inFlight);
}
