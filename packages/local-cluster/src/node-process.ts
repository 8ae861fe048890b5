import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { LIFELINE_VAR } from '@lab/cli';

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Running {
  child: ChildProcess;
  /** Output so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves when the process has exited and its output is closed. */
  finished: Promise<Finished>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<Finished>;
  /**
   * Resolves once stdout contains `text`; rejects, naming the exit code or
   * signal, if the process exits first, or after `timeoutMs`.
   */
  waitForStdout(text: string, timeoutMs?: number): Promise<void>;
}

const live = new Set<Running>();

export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  /** Killed with SIGKILL after this long (default 60 s); Infinity for no limit. */
  timeoutMs?: number;
  /** Called with each complete stdout line as it arrives. */
  onStdoutLine?: (line: string) => void;
}

/**
 * Starts a Node program with its output captured. A process still running
 * after `timeoutMs` is killed, so no test can leave one behind or hang.
 */
export function startNode(
  main: string,
  args: readonly string[],
  options: StartOptions = {},
): Running {
  // stdin is the lifeline (see @lab/cli shutDownWhenLifelineCloses): it is
  // never written, and closes when this process exits, however it exits.
  const child = spawn(process.execPath, [main, ...args], {
    env: { ...process.env, [LIFELINE_VAR]: 'stdin', ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const onLine = options.onStdoutLine;
  if (onLine && child.stdout) createInterface({ input: child.stdout }).on('line', onLine);
  const timeoutMs = options.timeoutMs ?? 60_000;
  const timer = Number.isFinite(timeoutMs)
    ? setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    : undefined;
  const finished = new Promise<Finished>((resolve) => {
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      live.delete(running);
      resolve({ code, signal, stdout, stderr });
    });
  });
  const running: Running = {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    finished,
    async stop(graceMs = 3000) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await finished;
        clearTimeout(kill);
      }
      return finished;
    },
    waitForStdout(text, timeoutMs = 10_000) {
      let exited = false;
      void finished.then(() => {
        exited = true;
      });
      return waitFor(
        () => {
          if (stdout.includes(text)) return true;
          if (exited) {
            const how = child.signalCode ? `signal ${child.signalCode}` : `code ${child.exitCode}`;
            throw new Error(
              `process exited (${how}) before printing "${text}"; stderr: ${stderr.trim()}`,
            );
          }
          return false;
        },
        `"${text}" on stdout`,
        timeoutMs,
      );
    },
  };
  live.add(running);
  return running;
}

/** Stops every process started through this module; for afterAll/afterEach. */
export async function stopAll(graceMs = 3000): Promise<void> {
  await Promise.all([...live].map((running) => running.stop(graceMs)));
}

/** Polls until `predicate` holds, failing with `what` after `timeoutMs`. */
export async function waitFor(
  predicate: () => boolean,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
