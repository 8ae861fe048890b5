/**
 * pnpm lab compare end to end: real local runs under the common protocol,
 * and a matrix whose rows differ because the traffic did.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CompareRow } from '@lab/lab';
import { startNode, stopAll } from '@lab/local-cluster';
import { afterAll, afterEach, describe, expect, it } from 'vitest';

const labMain = fileURLToPath(new URL('../dist/lab.js', import.meta.url));
const reportDir = mkdtempSync(join(tmpdir(), 'lab-compare-'));

afterEach(() => stopAll());
afterAll(() => rmSync(reportDir, { recursive: true, force: true }));

function compare(args: string[], timeoutMs = 120_000) {
  return startNode(labMain, ['compare', ...args, '--report-dir', reportDir], { timeoutMs });
}

function row(rows: CompareRow[], scenario: string, client: string): CompareRow {
  const found = rows.find((r) => r.scenario === scenario && r.client === client);
  if (!found) throw new Error(`no row for ${scenario}/${client}`);
  return found;
}

describe('pnpm lab compare', () => {
  it('measures l4-lb and headless-dns alike and tells pinned from spread', async () => {
    const done = await compare(['l4-lb', 'headless-dns', '--speed', '4', '--json']).finished;
    expect(done.code, done.stderr).toBe(0);
    const json = done.stdout.slice(0, done.stdout.lastIndexOf('\nlab compare:'));
    const { rows } = JSON.parse(json) as { rows: CompareRow[] };
    expect(rows.map((r) => `${r.scenario}/${r.client}`)).toEqual([
      'l4-lb/http',
      'l4-lb/grpc',
      'l4-lb/grpc-rr',
      'headless-dns/passthrough',
      'headless-dns/pick-first',
      'headless-dns/round-robin',
    ]);
    // A new connection per HTTP/1.1 call: kube-proxy semantics spread them.
    expect(row(rows, 'l4-lb', 'http').spread.reached).toBeGreaterThanOrEqual(4);
    // One HTTP/2 connection through a ClusterIP: one pod, whatever the policy.
    for (const client of ['grpc', 'grpc-rr']) {
      expect(row(rows, 'l4-lb', client).spread).toMatchObject({ reached: 1, ready: 5 });
      expect(row(rows, 'l4-lb', client).newPods.worstMs).toBeNull();
    }
    // round_robin keeps the three addresses DNS gave it at the start.
    expect(row(rows, 'headless-dns', 'round-robin').spread).toMatchObject({ reached: 3, ready: 5 });
    expect(row(rows, 'headless-dns', 'pick-first').spread.reached).toBe(1);
    expect(row(rows, 'l4-lb', 'grpc')).toMatchObject({ hops: 0, clientChange: 'none' });
    expect(done.stdout).toMatch(/^lab compare: 6 setups from 2 scenarios on the local runtime in/m);
    const files = readdirSync(reportDir);
    const matrix = files.find((name) => name.startsWith('compare-local-'));
    expect(matrix, files.join(', ')).toBeDefined();
    expect(readFileSync(join(reportDir, matrix!), 'utf8')).toContain(
      '| headless Service + DNS, round_robin (headless-dns/round-robin) | 3 of 5 pods',
    );
    expect(files.filter((name) => name.startsWith('l4-lb-local-'))).toHaveLength(1);
  }, 150_000);

  it('refuses what the runtime cannot run, and unknown ids, with exit 2', async () => {
    const kindOnly = await compare(['envoy-static']).finished;
    expect(kindOnly.code).toBe(2);
    expect(kindOnly.stderr).toMatch(/envoy-static cannot run on the local runtime/);
    const unknown = await compare(['nope']).finished;
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown scenario 'nope'/);
  });

  it('has --help that names the protocol', async () => {
    const help = await compare(['--help']).finished;
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: lab compare \[options\] \[scenarios\.\.\.\]/);
    expect(help.stdout).toMatch(/scale to 5/);
  });
});
