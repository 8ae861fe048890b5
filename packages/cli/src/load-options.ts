import { type Command, InvalidArgumentError, Option } from 'commander';
import { duration, intIn, numberAtLeast } from './option-parsers.js';

/** Defaults both clients share, so that a scenario can swap one for the other. */
export const LOAD_DEFAULTS = {
  rps: 10,
  /** Open loop: enough headroom that a slow pod shows up as latency, not as skipped calls. */
  openLoopConcurrency: 100,
  /** Closed loop: one caller, one call at a time. */
  closedLoopConcurrency: 1,
  deadlineMs: 1000,
  windowMs: 1000,
} as const;

export function defaultConcurrency(rps: number): number {
  return rps > 0 ? LOAD_DEFAULTS.openLoopConcurrency : LOAD_DEFAULTS.closedLoopConcurrency;
}

/** The flags `addLoadOptions` defines, as commander hands them to the action. */
export interface LoadFlags {
  name: string;
  rps: number;
  concurrency?: number;
  duration?: number;
  deadlineMs: number;
  window: number;
  pretty: boolean;
}

/** A duration of at least 1 ms, in whole milliseconds. */
export function positiveDuration(value: string): number {
  const ms = duration(value);
  if (ms < 1 || !Number.isInteger(ms)) {
    throw new InvalidArgumentError(
      'must be a whole number of milliseconds ≥ 1 (examples: 500ms, 10s).',
    );
  }
  return ms;
}

export function nonEmpty(value: string): string {
  if (value.trim() === '') throw new InvalidArgumentError('must not be empty.');
  return value;
}

/**
 * The load and output flags every client has, with the same names, meanings
 * and defaults: --name, --rps, --concurrency, --duration, --deadline-ms,
 * --window, --pretty.
 */
export function addLoadOptions(command: Command, defaultName: string): Command {
  return command
    .option('--name <name>', 'client name in every window line', nonEmpty, defaultName)
    .option(
      '--rps <n>',
      'calls per second, open loop: calls start on schedule even when answers are slow; 0 = closed loop',
      numberAtLeast(0),
      LOAD_DEFAULTS.rps,
    )
    .option(
      '--concurrency <n>',
      'open loop: most calls in flight, calls due beyond it are counted as skipped; ' +
        'closed loop: number of callers ' +
        `(default: ${LOAD_DEFAULTS.openLoopConcurrency} with --rps > 0, ${LOAD_DEFAULTS.closedLoopConcurrency} with --rps 0)`,
      intIn(1),
    )
    .option(
      '--duration <d>',
      'stop after this long, e.g. 30s or 2m (default: run until SIGTERM or SIGINT)',
      positiveDuration,
    )
    .option('--deadline-ms <ms>', 'deadline of each call', intIn(1), LOAD_DEFAULTS.deadlineMs)
    .addOption(
      new Option('--window <d>', 'statistics window')
        .argParser(positiveDuration)
        .default(LOAD_DEFAULTS.windowMs, `${LOAD_DEFAULTS.windowMs / 1000}s`),
    )
    .option('--pretty', 'per-pod bars for people instead of JSON lines', false);
}
