/**
 * The kind runtime does everything through a CommandRunner: the real runner
 * executes each command, the plan recorder writes it down and runs nothing.
 * The runtime's code is the same for both, so `--dry-run` prints exactly what
 * a real run would execute, in the same order.
 */

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A read-only command whose answer decides whether the commands under it run. */
export interface Probe {
  argv: readonly string[];
  /** What the answer must show, as the plan says it: "the output lists grpc-lb". */
  what: string;
  holds(result: CommandResult): boolean;
}

/** A long-running command whose output is read line by line (`kubectl logs -f`). */
export interface StreamHandle {
  /** Stops the command (and anything it started); resolves once it has exited. */
  stop(): Promise<void>;
  /** Resolves when the command ends by itself or is stopped. */
  finished: Promise<CommandResult>;
}

export interface CommandRunner {
  /** False for the plan recorder: nothing runs, and waits return at once. */
  readonly live: boolean;
  /** The part of the run the next commands belong to: a scenario step, the teardown. */
  stage(title: string): void;
  /** Why the next commands run; a comment in the plan. */
  note(text: string): void;
  /** Runs a command; rejects with CommandError if it exits non-zero. */
  run(argv: readonly string[]): Promise<CommandResult>;
  /** Runs `probe`; unless it holds, runs what `action` runs. */
  unless(probe: Probe, action: () => Promise<void>): Promise<void>;
  /** Runs `probe`; when it holds, runs what `action` runs. */
  when(probe: Probe, action: () => Promise<void>): Promise<void>;
  /** Starts a command and hands each line of its output (stdout and stderr) to `onLine`. */
  stream(
    argv: readonly string[],
    onLine: (line: string, from: 'stdout' | 'stderr') => void,
  ): StreamHandle;
  writeFile(path: string, text: string): Promise<void>;
  /** Polls `done` until it holds, failing after `timeoutMs` with `what` in the message. */
  waitUntil(what: string, done: () => boolean, timeoutMs: number): Promise<void>;
  /** Stops every command still running (streams included). Idempotent. */
  stopAll(): Promise<void>;
}

export class CommandError extends Error {
  override name = 'CommandError';
  constructor(
    readonly argv: readonly string[],
    readonly result: CommandResult,
  ) {
    const detail = (result.stderr.trim() || result.stdout.trim()).split('\n').slice(-3).join(' | ');
    super(`${shellLine(argv)} failed (exit ${result.code})${detail ? `: ${detail}` : ''}`);
  }
}

const SAFE = /^[\w@%+=:,./-]+$/;

/** One argument as a POSIX shell reads it back: bare when safe, else in single quotes. */
export function shellQuote(arg: string): string {
  if (arg !== '' && SAFE.test(arg)) return arg;
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

export function shellLine(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}

export type PlanEntry =
  | { kind: 'stage'; title: string }
  | { kind: 'note'; text: string; depth: number }
  | { kind: 'run'; argv: readonly string[]; depth: number }
  | { kind: 'stream'; argv: readonly string[]; depth: number }
  | { kind: 'write'; path: string; text: string; depth: number }
  | { kind: 'wait'; what: string; timeoutMs: number; depth: number }
  | { kind: 'branch'; probe: readonly string[]; condition: string; depth: number };

/**
 * Records what a run would do. Probes are written down but not run (their
 * answer depends on the machine); the commands they guard are written under
 * them, indented, as both branches of a real run would need them.
 */
export class PlanRecorder implements CommandRunner {
  readonly live = false;
  readonly entries: PlanEntry[] = [];
  private depth = 0;

  stage(title: string): void {
    this.entries.push({ kind: 'stage', title });
  }

  note(text: string): void {
    this.entries.push({ kind: 'note', text, depth: this.depth });
  }

  async run(argv: readonly string[]): Promise<CommandResult> {
    this.entries.push({ kind: 'run', argv: [...argv], depth: this.depth });
    return { code: 0, stdout: '', stderr: '' };
  }

  unless(probe: Probe, action: () => Promise<void>): Promise<void> {
    return this.branch(probe, `unless ${probe.what}`, action);
  }

  when(probe: Probe, action: () => Promise<void>): Promise<void> {
    return this.branch(probe, `if ${probe.what}`, action);
  }

  stream(
    argv: readonly string[],
    _onLine?: (line: string, from: 'stdout' | 'stderr') => void,
  ): StreamHandle {
    this.entries.push({ kind: 'stream', argv: [...argv], depth: this.depth });
    const finished = Promise.resolve({ code: 0, stdout: '', stderr: '' });
    return { stop: async () => {}, finished };
  }

  async writeFile(path: string, text: string): Promise<void> {
    this.entries.push({ kind: 'write', path, text, depth: this.depth });
  }

  async waitUntil(what: string, _done: () => boolean, timeoutMs: number): Promise<void> {
    this.entries.push({ kind: 'wait', what, timeoutMs, depth: this.depth });
  }

  async stopAll(): Promise<void> {}

  private async branch(probe: Probe, condition: string, action: () => Promise<void>) {
    this.entries.push({ kind: 'branch', probe: [...probe.argv], condition, depth: this.depth });
    this.depth++;
    try {
      await action();
    } finally {
      this.depth--;
    }
  }
}

/**
 * The plan as a person reads it: a shell-like script where every command line
 * can be pasted as it is, `#` lines say why, commands guarded by a probe are
 * indented under it, and `&` marks the streams that run alongside.
 */
export function renderPlan(entries: readonly PlanEntry[]): string {
  const lines: string[] = [];
  const pad = (depth: number) => '  '.repeat(depth);
  for (const entry of entries) {
    switch (entry.kind) {
      case 'stage':
        if (lines.length > 0) lines.push('');
        lines.push(`## ${entry.title}`);
        break;
      case 'note':
        lines.push(`${pad(entry.depth)}# ${entry.text}`);
        break;
      case 'run':
        lines.push(`${pad(entry.depth)}${shellLine(entry.argv)}`);
        break;
      case 'stream':
        lines.push(`${pad(entry.depth)}${shellLine(entry.argv)} &`);
        break;
      case 'write':
        lines.push(`${pad(entry.depth)}cat > ${shellQuote(entry.path)} <<'EOF'`);
        lines.push(...entry.text.trimEnd().split('\n'), 'EOF');
        break;
      case 'wait':
        lines.push(
          `${pad(entry.depth)}# wait until ${entry.what} (${entry.timeoutMs / 1000} s at most)`,
        );
        break;
      case 'branch':
        lines.push(`${pad(entry.depth)}${shellLine(entry.probe)}`);
        lines.push(`${pad(entry.depth)}# ${entry.condition}:`);
        break;
    }
  }
  return `${lines.join('\n')}\n`;
}
