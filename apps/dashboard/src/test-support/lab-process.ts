import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built `pnpm lab` (scripts/dist/lab.js): turbo builds @lab/scripts before these tests. */
export const labMain = fileURLToPath(new URL('../../../../scripts/dist/lab.js', import.meta.url));

export interface LabProcess {
  child: ChildProcess;
  output(): string;
  /** The dashboard URL the lab printed. */
  url: Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<void>;
}

/** `pnpm lab <args>` as a real process, the way a person runs it, with no terminal. */
export function startLab(args: string[]): LabProcess {
  const child = spawn(process.execPath, [labMain, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  let text = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const url = new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      text += chunk.toString();
      const match = /dashboard at (http:\/\/\S+)/.exec(text);
      if (match) resolve(match[1]!);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then(({ code }) =>
      reject(new Error(`the lab exited (${code}) before printing a dashboard URL:\n${text}`)),
    );
  });
  url.catch(() => {});
  return {
    child,
    output: () => text,
    url,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
