/**
 * pnpm test:kind: every scenario that runs on kind, end to end on a real kind
 * cluster, through the same CLI a person types (`pnpm lab <id> --runtime
 * kind`), judged by the verdicts it prints.
 *
 * Without a Docker engine, kind or kubectl the whole suite is skipped, with
 * one line naming what is missing. A skipped run verified nothing: vitest's
 * summary then reads "skipped", never "passed" (docs/skaffold.md).
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listScenarioIds, loadScenario } from '@lab/lab';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { YAML } from 'zx';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const labMain = join(repoRoot, 'scripts', 'dist', 'lab.js');
const scenariosDir = join(repoRoot, 'k8s', 'scenarios');

/**
 * A first run creates the cluster and builds and loads three images on top
 * of the scenario itself; on a 2-core machine that alone takes many minutes.
 */
const SCENARIO_TIMEOUT_MS = 45 * 60_000;
/** After SIGTERM the lab tears down what it started; then it is killed. */
const STOP_GRACE_MS = 2 * 60_000;

/** The first line a failed command printed, for a one-line reason. */
function firstLine(text: string | undefined): string {
  return (text ?? '').trim().split('\n')[0] ?? '';
}

interface Missing {
  /** For the test titles: `Docker engine`. */
  what: string;
  /** For the one-line reason: what the check printed. */
  detail: string;
}

/**
 * What a kind run needs and this machine lacks. The Docker client alone is
 * not enough: kind and image builds need an engine that answers `docker info`.
 */
function missingPrerequisites(): Missing[] {
  const run = (argv: string[]) =>
    spawnSync(argv[0] ?? '', argv.slice(1), { encoding: 'utf8', timeout: 30_000 });
  const missing: Missing[] = [];
  const docker = run(['docker', 'info', '--format', '{{.ServerVersion}}']);
  if (docker.error) {
    missing.push({ what: 'docker CLI', detail: 'docker: not on PATH' });
  } else if (docker.status !== 0) {
    const said = firstLine(docker.stderr) || `exit ${docker.status}`;
    missing.push({ what: 'Docker engine', detail: `docker info: ${said}` });
  }
  if (run(['kind', 'version']).error) missing.push({ what: 'kind', detail: 'kind: not on PATH' });
  if (run(['kubectl', 'version', '--client']).error) {
    missing.push({ what: 'kubectl', detail: 'kubectl: not on PATH' });
  }
  return missing;
}

/** Scenario ids whose scenario.yaml lists the kind runtime. */
function kindScenarios(): string[] {
  return listScenarioIds(scenariosDir).filter((id) =>
    loadScenario(scenariosDir, id, repoRoot).scenario.runtimes.includes('kind'),
  );
}

/** k8s/kind/cluster.yaml's cluster name: the one the kind runtime creates or reuses. */
function kindClusterName(): string {
  const config = YAML.parse(readFileSync(join(repoRoot, 'k8s', 'kind', 'cluster.yaml'), 'utf8'));
  return String(config?.name);
}

function kindClusterExists(name: string): boolean {
  const listed = spawnSync('kind', ['get', 'clusters'], { encoding: 'utf8', timeout: 60_000 });
  return listed.status === 0 && listed.stdout.split('\n').some((line) => line.trim() === name);
}

interface LabRun {
  code: number | null;
  output: string;
}

/**
 * Runs the built lab CLI from the repository root and echoes its lines as
 * they come, so a long run shows where it is. On timeout it gets SIGTERM
 * first, so that it can remove what it deployed.
 */
function lab(args: string[], timeoutMs: number, tag: string): Promise<LabRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [labMain, ...args], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let partial = '';
    const onData = (chunk: Buffer) => {
      const text = partial + chunk.toString();
      const lines = text.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) console.log(`[${tag}] ${line}`);
      output += chunk.toString();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    let kill: NodeJS.Timeout | undefined;
    const term = setTimeout(() => {
      console.log(`[${tag}] no result after ${timeoutMs / 60_000} min: SIGTERM`);
      child.kill('SIGTERM');
      kill = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    }, timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(term);
      clearTimeout(kill);
      if (partial) console.log(`[${tag}] ${partial}`);
      resolve({ code, output });
    });
  });
}

const missing = missingPrerequisites();
const absent = missing.map((m) => m.what).join(', ');
if (missing.length > 0) {
  console.warn(
    `lab.kind.test: skipped, nothing verified: missing ${absent} (${missing.map((m) => m.detail).join('; ')})`,
  );
}
const title = `pnpm lab <id> --runtime kind${missing.length > 0 ? ` [skipped: missing ${absent}]` : ''}`;

describe.skipIf(missing.length > 0)(title, () => {
  const cluster = kindClusterName();
  let createdHere = false;

  beforeAll(() => {
    createdHere = !kindClusterExists(cluster);
  });

  // A cluster this suite created goes when it ends; one that was there before is left alone.
  afterAll(async () => {
    if (!createdHere) return;
    const down = await lab(['down'], STOP_GRACE_MS, 'down');
    expect(down.code, down.output).toBe(0);
  }, STOP_GRACE_MS * 2);

  it('finds the scenarios that run on kind', () => {
    expect(kindScenarios().length).toBeGreaterThan(0);
  });

  it.each(kindScenarios())(
    '%s passes every check on kind',
    async (id) => {
      const run = await lab([id, '--runtime', 'kind'], SCENARIO_TIMEOUT_MS, id);
      const summary = new RegExp(`^${id}: PASS \\((\\d+) of (\\d+) checks?\\) in [\\d.]+ s$`, 'm');
      const match = summary.exec(run.output);
      expect(match, `no "${id}: PASS (n of n checks)" line in:\n${run.output}`).not.toBeNull();
      const [, passed, total] = match ?? [];
      expect(Number(total)).toBeGreaterThan(0);
      expect(passed).toBe(total);
      expect(run.code, run.output).toBe(0);
    },
    SCENARIO_TIMEOUT_MS + STOP_GRACE_MS + 60_000,
  );
});
