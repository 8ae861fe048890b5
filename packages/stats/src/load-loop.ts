import { setImmediate as yieldToEventLoop, setTimeout as sleep } from 'node:timers/promises';

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
 * for the calls in flight. `callOnce` gets the loop's stop signal, so a call
 * that would otherwise never end (a stream) can end when the loop does. `callOnce` records its own outcome and must not
 * reject; a rejection is a bug in the caller: it stops the loop and, once the
 * calls in flight have settled, is rethrown.
 */
export async function runLoadLoop(
  callOnce: (stop: AbortSignal) => Promise<void>,
  options: LoadLoopOptions,
): Promise<void> {
  // A plain controller and timer rather than AbortSignal.any/timeout: Node 20
  // can garbage-collect a timeout signal held only by an any() composite, and
  // under load that GC happens, so the duration silently never ends.
  const stopper = new AbortController();
  const stopNow = () => stopper.abort();
  if (options.signal.aborted) stopNow();
  options.signal.addEventListener('abort', stopNow, { once: true });
  const timer =
    options.durationMs === undefined ? undefined : setTimeout(stopNow, options.durationMs);
  const stop = stopper.signal;
  let failure: { error: unknown } | undefined;
  // Without this, an open-loop rejection nobody awaits would surface as an
  // unhandled rejection, and closed-loop callers would run on after
  // Promise.all had already rejected.
  const guarded = async () => {
    try {
      await callOnce(stop);
    } catch (error) {
      failure ??= { error };
      stopNow();
    }
  };
  try {
    if (options.rps > 0) {
      await openLoop(guarded, options, stop);
    } else {
      await closedLoop(guarded, options.concurrency, stop);
    }
  } finally {
    clearTimeout(timer);
    options.signal.removeEventListener('abort', stopNow);
  }
  if (failure) throw failure.error;
}

async function closedLoop(
  callOnce: () => Promise<void>,
  concurrency: number,
  stop: AbortSignal,
): Promise<void> {
  const caller = async () => {
    while (!stop.aborted) {
      await callOnce();
      // A call that settles without I/O (a fast local failure, a stub) would
      // otherwise chain microtasks forever: timers never run, so neither the
      // duration, the abort, nor the window ticker could ever fire.
      await yieldToEventLoop();
    }
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
