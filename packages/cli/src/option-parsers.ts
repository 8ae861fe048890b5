import { InvalidArgumentError } from 'commander';
import parseMs from 'ms';

/** A commander parser for a whole number within [min, max]. */
export function intIn(min: number, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value) => {
    if (!/^-?\d+$/.test(value.trim())) throw new InvalidArgumentError('not a whole number.');
    const n = Number(value);
    if (n < min || n > max) throw new InvalidArgumentError(`must be between ${min} and ${max}.`);
    return n;
  };
}

export const port = intIn(0, 65535);

/** A commander parser for a number ≥ min (fractions allowed). */
export function numberAtLeast(min: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError('not a number.');
    if (n < min) throw new InvalidArgumentError(`must be at least ${min}.`);
    return n;
  };
}

/**
 * A duration as milliseconds: `250ms`, `10s`, `2m`, `1h`, or a bare number
 * of milliseconds.
 */
export function duration(value: string): number {
  const trimmed = value.trim();
  const n = /^\d+$/.test(trimmed) ? Number(trimmed) : parseMs(trimmed as parseMs.StringValue);
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) {
    throw new InvalidArgumentError('not a duration (examples: 500ms, 10s, 2m).');
  }
  return n;
}

export function oneOf<T extends string>(...choices: T[]): (value: string) => T {
  return (value) => {
    if ((choices as string[]).includes(value)) return value as T;
    throw new InvalidArgumentError(`must be one of ${choices.join(', ')}.`);
  };
}

/** Collects repeated `key=value` options into a record. */
export function keyValue(
  value: string,
  previous: Record<string, string> = {},
): Record<string, string> {
  const at = value.indexOf('=');
  if (at <= 0) throw new InvalidArgumentError('expected key=value.');
  return { ...previous, [value.slice(0, at)]: value.slice(at + 1) };
}
