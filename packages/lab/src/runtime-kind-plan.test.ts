/**
 * The --dry-run command plan of every kind-capable scenario, reviewed and
 * kept as a file snapshot beside this test. The content-hash tags are the
 * only part that follows the sources; they are replaced with <hash>, so only
 * a change to what a run does changes a snapshot.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MESHES } from './kind-mesh.js';
import { checkTools, KIND_TOOLS, kindToolsFor, type ToolName } from './kind-prereqs.js';
import { type KindPlan, planKindDown, planKindRun } from './runtime-kind-plan.js';
import { type LoadedScenario, listScenarioIds, loadScenario } from './scenario-load.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const scenariosDir = join(repoRoot, 'k8s', 'scenarios');
const clusterConfig = join(repoRoot, 'k8s', 'kind', 'cluster.yaml');
const snapshotOf = (id: string) => `./__snapshots__/runtime-kind-plan/${id}.txt`;

/**
 * A machine with every tool (the mesh CLIs at the pinned versions), so the
 * plan does not depend on the one running the test.
 */
const everyTool = (tools: readonly ToolName[] = KIND_TOOLS) =>
  checkTools(tools, async () => ({
    code: 0,
    stdout: Object.values(MESHES)
      .map((mesh) => mesh.version)
      .join('\n'),
    stderr: '',
  }));

function normalised(plan: KindPlan): string {
  let text = plan.text;
  for (const image of plan.images) text = text.replaceAll(image.tag, '<hash>');
  return text;
}

async function plan(loaded: LoadedScenario, keep = false): Promise<KindPlan> {
  return planKindRun(loaded, {
    root: repoRoot,
    clusterConfig,
    keep,
    tools: await everyTool(kindToolsFor(loaded.scenario.tools)),
  });
}

const kindIds = listScenarioIds(scenariosDir).filter((id) =>
  loadScenario(scenariosDir, id, repoRoot).scenario.runtimes.includes('kind'),
);

describe('the kind plan of each scenario', () => {
  it('covers every scenario that runs on kind', () => {
    expect(kindIds).toEqual([
      'api-resolver',
      'envoy-dynamic',
      'envoy-static',
      'grpclb',
      'headless-dns',
      'headless-dns-max-age',
      'istio',
      'l4-lb',
      'linkerd',
      'linkerd1-daemonset',
      'node-proxy',
      're-resolve-pool',
      'xds-proxyless',
    ]);
  });

  it.each(kindIds)('%s matches its reviewed snapshot', async (id) => {
    const result = await plan(loadScenario(scenariosDir, id, repoRoot));
    const text = normalised(result);
    expect(text).not.toMatch(/\b[0-9a-f]{12}\b/);
    await expect(text).toMatchFileSnapshot(snapshotOf(id));
  });
});

describe('the snapshot guards the plan', () => {
  it('a changed step gives a plan that differs from the snapshot exactly there', async () => {
    const loaded = loadScenario(scenariosDir, 'l4-lb', repoRoot);
    const steps = loaded.scenario.steps.map((step) =>
      step.action === 'scale' ? { ...step, replicas: 4 } : step,
    );
    const changed = normalised(
      await plan({ ...loaded, scenario: { ...loaded.scenario, steps } }),
    ).split('\n');
    const reviewed = readFileSync(
      fileURLToPath(new URL(snapshotOf('l4-lb'), import.meta.url)),
      'utf8',
    ).split('\n');
    expect(changed.filter((line) => !reviewed.includes(line))).toEqual([
      '## step 5: scale to 4',
      'kubectl --context kind-grpc-lb -n grpc-lb scale deployment/addr-server --replicas=4',
    ]);
    expect(reviewed.filter((line) => !changed.includes(line))).toEqual([
      '## step 5: scale to 5',
      'kubectl --context kind-grpc-lb -n grpc-lb scale deployment/addr-server --replicas=5',
    ]);
  });

  it('the same sources give the same tags, so the plan is stable run after run', async () => {
    const loaded = loadScenario(scenariosDir, 'l4-lb', repoRoot);
    expect((await plan(loaded)).text).toBe((await plan(loaded)).text);
  });
});

describe('plan details', () => {
  it('names missing prerequisites instead of failing', async () => {
    const tools = await checkTools(KIND_TOOLS, async (argv) => ({
      code: argv[0] === 'kubectl' ? 0 : 127,
      stdout: '',
      stderr: '',
    }));
    const result = await planKindRun(loadScenario(scenariosDir, 'l4-lb', repoRoot), {
      root: repoRoot,
      clusterConfig,
      keep: false,
      tools,
    });
    expect(result.text).toContain(
      '# MISSING here: docker: not found; install Docker Engine (https://docs.docker.com/engine/install/) or Docker Desktop',
    );
    expect(result.text).toContain('# kubectl: found (kubectl version --client)');
    expect(result.text).toContain(
      'kind create cluster --name grpc-lb --config k8s/kind/cluster.yaml',
    );
  });

  it('--keep leaves the namespace: the teardown stops the streams only', async () => {
    const result = await plan(loadScenario(scenariosDir, 'l4-lb', repoRoot), true);
    const teardown = result.text.slice(result.text.indexOf('## teardown'));
    expect(teardown).toContain('# --keep: namespace grpc-lb stays');
    expect(teardown).not.toContain('delete namespace');
  });

  it('a mesh scenario checks its CLI and installs the mesh before anything is applied', async () => {
    const text = (await plan(loadScenario(scenariosDir, 'istio', repoRoot))).text;
    expect(text).toContain('# istioctl: found (istioctl version --remote=false)');
    const install = text.indexOf(
      'istioctl install --context kind-grpc-lb --set profile=minimal -y',
    );
    expect(install).toBeGreaterThan(0);
    expect(install).toBeLessThan(text.indexOf('apply -k'));
    const missing = await planKindRun(loadScenario(scenariosDir, 'linkerd', repoRoot), {
      root: repoRoot,
      clusterConfig,
      keep: false,
      tools: await checkTools(kindToolsFor(['linkerd']), async (argv) => ({
        code: argv[0] === 'linkerd' ? 127 : 0,
        stdout: '',
        stderr: '',
      })),
    });
    expect(missing.text).toContain(
      '# MISSING here: linkerd: not found; install Linkerd edge-26.9.3',
    );
  });

  it('pnpm lab down deletes the cluster only if kind lists it', async () => {
    const text = await planKindDown({ root: repoRoot, clusterConfig, tools: await everyTool() });
    expect(text.slice(text.indexOf('## down'))).toBe(
      [
        '## down',
        'kind get clusters',
        '# if the output lists grpc-lb:',
        '  kind delete cluster --name grpc-lb',
        '',
      ].join('\n'),
    );
  });
});
