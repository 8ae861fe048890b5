import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { $, type ProcessPromise } from 'zx';
import {
  CommandError,
  type CommandResult,
  type CommandRunner,
  type Probe,
  type StreamHandle,
  shellLine,
} from './command-plan.js';

export interface ZxRunnerOptions {
  /** Where commands run and relative paths start: the repository root. */
  cwd: string;
  /** Told each command line before it runs, so a person sees what the run does. */
  onCommand?: (line: string) => void;
}

const WAIT_POLL_MS = 100;
const KILL_GRACE_MS = 3000;

/**
 * The runner of a real run: each command through zx, from the repository
 * root, output captured. Every process it starts is tracked, so stopAll
 * leaves no kubectl behind however the run ends.
 */
export class ZxRunner implements CommandRunner {
  readonly live = true;
  private readonly running = new Set<ProcessPromise>();

  constructor(private readonly options: ZxRunnerOptions) {}

  stage(): void {}

  note(): void {}

  async run(argv: readonly string[]): Promise<CommandResult> {
    this.options.onCommand?.(shellLine(argv));
    const result = await this.exec(argv);
    if (result.code !== 0) throw new CommandError(argv, result);
    return result;
  }

  async unless(probe: Probe, action: () => Promise<void>): Promise<void> {
    if (!probe.holds(await this.exec(probe.argv))) await action();
  }

  async when(probe: Probe, action: () => Promise<void>): Promise<void> {
    if (probe.holds(await this.exec(probe.argv))) await action();
  }

  stream(
    argv: readonly string[],
    onLine: (line: string, from: 'stdout' | 'stderr') => void,
  ): StreamHandle {
    this.options.onCommand?.(`${shellLine(argv)} &`);
    const child = this.spawn(argv);
    createInterface({ input: child.stdout }).on('line', (line) => onLine(line, 'stdout'));
    createInterface({ input: child.stderr }).on('line', (line) => onLine(line, 'stderr'));
    const finished = this.settle(child);
    return { stop: () => this.kill(child), finished };
  }

  async writeFile(path: string, text: string): Promise<void> {
    const target = resolve(this.options.cwd, path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, text);
  }

  async waitUntil(what: string, done: () => boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (Date.now() > deadline) {
        throw new Error(`timed out after ${timeoutMs / 1000} s waiting until ${what}`);
      }
      await new Promise((resolveWait) => setTimeout(resolveWait, WAIT_POLL_MS));
    }
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.running].map((child) => this.kill(child)));
  }

  private spawn(argv: readonly string[]): ProcessPromise {
    // zx quotes each element of an array argument, so argv reaches the
    // program as it is, whatever it holds.
    const child = $({ cwd: this.options.cwd, quiet: true, nothrow: true })`${[...argv]}`;
    this.running.add(child);
    return child;
  }

  private exec(argv: readonly string[]): Promise<CommandResult> {
    return this.settle(this.spawn(argv));
  }

  private async settle(child: ProcessPromise): Promise<CommandResult> {
    try {
      const output = await child;
      return { code: output.exitCode ?? 1, stdout: output.stdout, stderr: output.stderr };
    } finally {
      this.running.delete(child);
    }
  }

  /** SIGTERM to the command and what it started, SIGKILL if it is still there after a grace. */
  private async kill(child: ProcessPromise): Promise<void> {
    if (!this.running.has(child)) return;
    const exited = child.then(
      () => {},
      () => {},
    );
    const signal = (name: NodeJS.Signals) => {
      try {
        child.kill(name).catch(() => {});
      } catch {
        // Settled between the check and the signal: nothing left to stop.
      }
    };
    signal('SIGTERM');
    const force = setTimeout(() => signal('SIGKILL'), KILL_GRACE_MS);
    await exited;
    clearTimeout(force);
  }
}
