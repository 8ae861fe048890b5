import type { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { createProgram } from './cli-program.js';
import type { HttpClientOptions } from './create-client.js';

/** Parses argv like the real CLI would, capturing the options or the error. */
async function parse(
  ...argv: string[]
): Promise<{ options?: HttpClientOptions; error?: CommanderError; stderr: string }> {
  let options: HttpClientOptions | undefined;
  let stderr = '';
  const program = createProgram(async (parsed) => {
    options = parsed;
  })
    .exitOverride()
    .configureOutput({ writeErr: (text) => (stderr += text), writeOut: () => {} });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return { options, stderr };
  } catch (error) {
    return { error: error as CommanderError, stderr };
  }
}

const target = ['--target', 'http://127.0.0.1:8080'];

describe('client-http flags', () => {
  it('has the documented defaults', async () => {
    const { options } = await parse(...target);
    expect(options).toEqual({
      target: 'http://127.0.0.1:8080',
      name: 'client-http',
      rps: 10,
      concurrency: undefined,
      durationMs: undefined,
      deadlineMs: 1000,
      windowMs: 1000,
      keepalive: false,
      pretty: false,
    });
  });

  it('parses every flag', async () => {
    const { options } = await parse(
      ...target,
      '--name',
      'c1',
      '--rps',
      '0.5',
      '--concurrency',
      '4',
      '--duration',
      '2m',
      '--deadline-ms',
      '250',
      '--window',
      '500ms',
      '--keepalive',
      'on',
      '--pretty',
    );
    expect(options).toEqual({
      target: 'http://127.0.0.1:8080',
      name: 'c1',
      rps: 0.5,
      concurrency: 4,
      durationMs: 120_000,
      deadlineMs: 250,
      windowMs: 500,
      keepalive: true,
      pretty: true,
    });
  });

  it('accepts --rps 0 (closed loop)', async () => {
    const { options } = await parse(...target, '--rps', '0');
    expect(options?.rps).toBe(0);
  });

  it.each([
    [[], /required option '--target <url>'/],
    [['--target', 'https://127.0.0.1:8443'], /must use http:/],
    [['--target', 'localhost:8080'], /must use http:/],
    [[...target, '--rps', '-1'], /--rps.*at least 0/],
    [[...target, '--rps', 'fast'], /--rps.*not a number/],
    [[...target, '--concurrency', '0'], /--concurrency.*between 1/],
    [[...target, '--concurrency', '1.5'], /--concurrency.*whole number/],
    [[...target, '--deadline-ms', '0'], /--deadline-ms.*between 1/],
    [[...target, '--duration', '0s'], /--duration.*≥ 1/],
    [[...target, '--duration', 'soon'], /--duration.*not a duration/],
    [[...target, '--window', '0'], /--window.*≥ 1/],
    [[...target, '--keepalive', 'yes'], /--keepalive.*one of on, off/],
    [[...target, '--name', ''], /--name.*must not be empty/],
    [[...target, '--bogus'], /unknown option '--bogus'/],
  ])('rejects %j', async (argv, message) => {
    const { options, error, stderr } = await parse(...argv);
    expect(options).toBeUndefined();
    expect(error?.exitCode).toBe(1); // runCli turns every CommanderError into exit 2
    expect(stderr).toMatch(message);
  });
});
