/** The runner of real runs, with real processes (node itself stands in for kubectl). */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CommandError } from './command-plan.js';
import { ZxRunner } from './command-plan-zx.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function workDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'zx-runner-'));
  dirs.push(dir);
  return dir;
}

const node = (script: string) => [process.execPath, '-e', script];

/** Processes whose command line holds `marker`, whoever started them. */
function processesWith(marker: string): string[] {
  return execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes(marker) && !line.includes('ps -eo'));
}

describe('ZxRunner', () => {
  it('runs a command with its arguments as they are, from the working folder', async () => {
    const cwd = workDir();
    const lines: string[] = [];
    const runner = new ZxRunner({ cwd, onCommand: (line) => lines.push(line) });
    const argv = node(
      'console.log(JSON.stringify([process.cwd(), ...process.argv.slice(1)]))',
    ).concat(["it's", '{.status.ready}=1', 'a b']);
    const result = await runner.run(argv);
    expect(JSON.parse(result.stdout)).toEqual([cwd, "it's", '{.status.ready}=1', 'a b']);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("'it'\\''s' '{.status.ready}=1' 'a b'");
  });

  it('fails with the exit code and stderr of a command that fails', async () => {
    const runner = new ZxRunner({ cwd: workDir() });
    const failing = runner.run(node('console.error("no such context"); process.exit(3)'));
    await expect(failing).rejects.toBeInstanceOf(CommandError);
    await expect(failing).rejects.toThrow(/failed \(exit 3\): no such context/);
  });

  it('runs what a probe guards only as the probe answers', async () => {
    const runner = new ZxRunner({ cwd: workDir() });
    const ran: string[] = [];
    const probe = {
      argv: node('console.log("grpc-lb")'),
      what: 'the output lists grpc-lb',
      holds: (result: { stdout: string }) => result.stdout.trim() === 'grpc-lb',
    };
    await runner.unless(probe, async () => {
      ran.push('unless');
    });
    await runner.when(probe, async () => {
      ran.push('when');
    });
    // A probe whose command is not even installed answers, not throws.
    await runner.unless(
      { argv: ['no-such-tool-here', 'get'], what: 'it works', holds: (r) => r.code === 0 },
      async () => {
        ran.push('missing tool');
      },
    );
    expect(ran).toEqual(['when', 'missing tool']);
  });

  it('streams stdout and stderr line by line, and stop() leaves no process behind', async () => {
    const runner = new ZxRunner({ cwd: workDir() });
    const marker = `stream-${process.pid}-${Date.now()}`;
    const lines: string[] = [];
    const handle = runner.stream(
      node(
        `console.log("one"); console.error("two"); setInterval(() => console.log("tick"), 50); // ${marker}`,
      ),
      (line, from) => lines.push(`${from}:${line}`),
    );
    await runner.waitUntil('a tick', () => lines.includes('stdout:tick'), 5000);
    expect(lines.slice(0, 2).sort()).toEqual(['stderr:two', 'stdout:one']);
    expect(processesWith(marker).length).toBeGreaterThan(0);
    await handle.stop();
    expect(processesWith(marker)).toEqual([]);
    expect((await handle.finished).code).not.toBe(0);
  });

  it('stopAll ends every command still running, a plain run included', async () => {
    const runner = new ZxRunner({ cwd: workDir() });
    const marker = `stop-all-${process.pid}-${Date.now()}`;
    const waiting = runner
      .run(node(`setTimeout(() => {}, 60000); // ${marker}`))
      .catch((error: unknown) => error);
    runner.stream(node(`setInterval(() => {}, 1000); // ${marker}`), () => {});
    await runner.waitUntil('both started', () => processesWith(marker).length >= 2, 5000);
    await runner.stopAll();
    expect(await waiting).toBeInstanceOf(CommandError);
    expect(processesWith(marker)).toEqual([]);
  });

  it('writes files under the working folder, making folders as needed', async () => {
    const cwd = workDir();
    const runner = new ZxRunner({ cwd });
    await runner.writeFile('.lab/kind/x/kustomization.yaml', 'kind: Kustomization\n');
    expect(readFileSync(join(cwd, '.lab/kind/x/kustomization.yaml'), 'utf8')).toBe(
      'kind: Kustomization\n',
    );
  });

  it('waitUntil fails naming what it waited for', async () => {
    const runner = new ZxRunner({ cwd: workDir() });
    await expect(runner.waitUntil('pigs fly', () => false, 200)).rejects.toThrow(
      'timed out after 0.2 s waiting until pigs fly',
    );
  });
});
