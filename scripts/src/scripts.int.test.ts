/** The built entry points, run as a person runs them. */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startNode, stopAll, waitFor } from '@lab/local-cluster';
import { afterEach, describe, expect, it } from 'vitest';

const demoMain = fileURLToPath(new URL('../dist/demo.js', import.meta.url));
const benchMain = fileURLToPath(new URL('../dist/bench-server.js', import.meta.url));

afterEach(() => stopAll());

/** Lab processes still alive whose command line mentions `pattern`. */
function survivors(pattern: string): string[] {
  const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return out.split('\n').filter((line) => line.includes(pattern) && line.includes('dist/main.js'));
}

describe('pnpm demo', () => {
  it('shows pick_first on one pod and round_robin on all three', async () => {
    const done = await startNode(demoMain, ['--duration', '2s', '--rps', '60']).finished;
    expect(done.code).toBe(0);
    expect(done.stdout).toMatch(
      /^demo: pick_first reached 1 of 3 pods, round_robin reached 3 of 3 pods in [\d.]+ s$/m,
    );
    expect(survivors('127.0.1.')).toEqual([]);
  });

  it('stops every pod and client on Ctrl-C and exits 130', async () => {
    const run = startNode(demoMain, ['--duration', '60s']);
    await waitFor(() => run.stdout().includes('round_robin '), 'the first window', 20_000);
    expect(survivors('127.0.1.').length).toBeGreaterThanOrEqual(5);
    run.child.kill('SIGINT');
    const done = await run.finished;
    expect(done.code).toBe(130);
    expect(survivors('127.0.1.')).toEqual([]);
  });

  it('rejects a bad flag value with exit code 2 and one line', async () => {
    const done = await startNode(demoMain, ['--pods', '0']).finished;
    expect(done.code).toBe(2);
    expect(done.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('pnpm bench:server', () => {
  it('measures both servers under both loads and reports the ratio', async () => {
    const done = await startNode(
      benchMain,
      [
        '--duration',
        '1500ms',
        '--warmup',
        '500ms',
        '--fixed-rps',
        '200',
        '--concurrency',
        '8',
        '--json',
      ],
      { timeoutMs: 60_000 },
    ).finished;
    expect(done.code).toBe(0);
    const json = done.stdout.slice(0, done.stdout.lastIndexOf('\nbench-server:'));
    const report = JSON.parse(json) as {
      results: { server: string; load: string; callsPerSecond: number; failed: number }[];
      ratio: number;
    };
    expect(report.results.map((r) => `${r.server} / ${r.load}`)).toEqual([
      'bare grpc-js / saturation, 8 callers',
      'bare grpc-js / fixed 200/s',
      'addr-server / saturation, 8 callers',
      'addr-server / fixed 200/s',
    ]);
    for (const result of report.results) {
      expect(result.callsPerSecond).toBeGreaterThan(100);
      expect(result.failed).toBe(0);
    }
    expect(report.ratio).toBeGreaterThan(0);
    expect(done.stdout).toMatch(
      /^bench-server: addr-server reached [\d.]+% of the bare grpc-js throughput/m,
    );
    expect(survivors('127.0.4.')).toEqual([]);
  });
});
