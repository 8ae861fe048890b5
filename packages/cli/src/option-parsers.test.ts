import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defaultConcurrency, LOAD_DEFAULTS } from './load-options.js';
import { duration, intIn, keyValue, numberAtLeast, oneOf, port } from './option-parsers.js';
import { EXIT_USAGE, runCli, UsageError } from './run-cli.js';

describe('option parsers', () => {
  it('reads whole numbers within bounds', () => {
    expect(intIn(1, 10)('7')).toBe(7);
    expect(() => intIn(1, 10)('0')).toThrow('must be between 1 and 10.');
    expect(() => intIn(0)('1.5')).toThrow('not a whole number.');
    expect(() => port('65536')).toThrow();
  });

  it('reads numbers with a floor', () => {
    expect(numberAtLeast(0)('2.5')).toBe(2.5);
    expect(() => numberAtLeast(0)('-1')).toThrow('must be at least 0.');
    expect(() => numberAtLeast(0)('')).toThrow('not a number.');
  });

  it('reads durations with units or as milliseconds', () => {
    expect(duration('250')).toBe(250);
    expect(duration('250ms')).toBe(250);
    expect(duration('10s')).toBe(10_000);
    expect(duration('2m')).toBe(120_000);
    expect(() => duration('soon')).toThrow('not a duration');
    expect(() => duration('-5s')).toThrow('not a duration');
  });

  it('checks choices and collects key=value pairs', () => {
    expect(oneOf('a', 'b')('b')).toBe('b');
    expect(() => oneOf('a', 'b')('c')).toThrow('must be one of a, b.');
    expect(keyValue('x=1', keyValue('y=a=b'))).toEqual({ x: '1', y: 'a=b' });
    expect(() => keyValue('novalue')).toThrow('expected key=value.');
  });

  it('defaults concurrency by loop kind', () => {
    expect(defaultConcurrency(10)).toBe(LOAD_DEFAULTS.openLoopConcurrency);
    expect(defaultConcurrency(0)).toBe(LOAD_DEFAULTS.closedLoopConcurrency);
  });
});

describe('runCli', () => {
  afterEach(() => {
    process.exitCode = undefined;
    vi.restoreAllMocks();
  });

  function capture() {
    const lines: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    return lines;
  }

  it('exits 2 with one line for an unknown flag', async () => {
    const stderr = capture();
    await runCli(new Command('prog').option('--known'), ['node', 'prog', '--bogus']);
    expect(process.exitCode).toBe(EXIT_USAGE);
    expect(stderr.join('')).toBe("prog: error: unknown option '--bogus' (see --help)\n");
  });

  it('exits 2 for a UsageError from the action and 1 for any other error', async () => {
    const stderr = capture();
    const failWith = (error: Error) =>
      new Command('prog').action(() => {
        throw error;
      });
    await runCli(failWith(new UsageError('bad target')), ['node', 'prog']);
    expect(process.exitCode).toBe(EXIT_USAGE);
    await runCli(failWith(new Error('boom')), ['node', 'prog']);
    expect(process.exitCode).toBe(1);
    expect(stderr).toEqual(['prog: error: bad target\n', 'prog: boom\n']);
  });
});
