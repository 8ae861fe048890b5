/**
 * The --dry-run plan of the cluster runtime: reviewed snapshots for a few
 * scenarios, and what the plan must and must not contain for the others.
 * Content-hash tags are replaced with <hash>, as for the kind plans.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '@lab/cli';
import { describe, expect, it } from 'vitest';
import { checkTools, type ToolName } from './kind-prereqs.js';
import {
  CLUSTER_DOWN_TOOLS,
  CLUSTER_TOOLS,
  type ClusterRuntimeOptions,
} from './runtime-cluster.js';
import { planClusterDown, planClusterRun } from './runtime-cluster-plan.js';
import type { KindPlan } from './runtime-kind-plan.js';
import { listScenarioIds, loadScenario } from './scenario-load.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const scenariosDir = join(repoRoot, 'k8s', 'scenarios');
const REGISTRY = 'europe-west1-docker.pkg.dev/my-project/grpc-lb-lab';
const CONTEXT = 'gke_my-project_europe-west1_lab';

const everyTool = (tools: readonly ToolName[]) =>
  checkTools(tools, async () => ({ code: 0, stdout: '', stderr: '' }));

function normalised(plan: KindPlan): string {
  let text = plan.text;
  for (const image of plan.images) text = text.replaceAll(image.tag.slice(0, 12), '<hash>');
  return text;
}

async function plan(
  id: string,
  options: Partial<ClusterRuntimeOptions> & { yes?: boolean } = {},
): Promise<KindPlan> {
  return planClusterRun(loadScenario(scenariosDir, id, repoRoot), {
    root: repoRoot,
    context: CONTEXT,
    registry: REGISTRY,
    namespace: 'grpc-lb',
    platform: 'linux/amd64',
    keep: false,
    yes: false,
    tools: await everyTool(CLUSTER_TOOLS),
    ...options,
  });
}

const kindIds = listScenarioIds(scenariosDir).filter((id) =>
  loadScenario(scenariosDir, id, repoRoot).scenario.runtimes.includes('kind'),
);

describe('the cluster plan', () => {
  it.each(['l4-lb', 'xds-proxyless', 'istio'])('%s matches its reviewed snapshot', async (id) => {
    const text = normalised(await plan(id));
    expect(text).not.toMatch(/\b[0-9a-f]{12}\b/);
    await expect(text).toMatchFileSnapshot(`./__snapshots__/runtime-cluster-plan/${id}.txt`);
  });

  it.each(kindIds)(
    '%s: builds and pushes to the registry, never kind, and touches only its namespace',
    async (id) => {
      const text = normalised(await plan(id));
      expect(text).not.toMatch(/^\s*kind /m);
      expect(text).not.toContain('kube-system');
      expect(text).not.toMatch(/^\s*(istioctl|linkerd) /m);
      const kubectl = text.split('\n').filter((line) => line.trim().startsWith('kubectl '));
      for (const line of kubectl) {
        expect(line).toContain(`--context ${CONTEXT}`);
        // Every kubectl works in the run's namespace, reads the namespace itself, or (mesh
        // scenarios) waits for the mesh's control plane, read-only.
        expect(
          line.includes('-n grpc-lb ') ||
            / (get|delete) namespace grpc-lb /.test(line) ||
            / -n (istio-system|linkerd) rollout status /.test(line),
        ).toBe(true);
      }
      const pushes = text.match(/^ {2}docker push .*$/gm) ?? [];
      expect(pushes.length).toBeGreaterThan(0);
      for (const push of pushes)
        expect(push).toMatch(new RegExp(`^  docker push ${REGISTRY}/[a-z-]+:<hash>-linux-amd64$`));
      // The guard's read comes before any build.
      expect(text.indexOf('get namespace grpc-lb')).toBeLessThan(text.indexOf('docker build'));
    },
  );
});

describe('the guard in the plan', () => {
  it('refuses a production-looking context without --yes, as a run would, and says so with it', async () => {
    const context = 'gke_acme_europe-west1_prod-eu';
    await expect(plan('l4-lb', { context })).rejects.toThrow(UsageError);
    await expect(plan('l4-lb', { context })).rejects.toThrow(
      'context gke_acme_europe-west1_prod-eu looks like a production cluster',
    );
    const text = (await plan('l4-lb', { context, yes: true })).text;
    expect(text).toContain(
      '# --yes: gke_acme_europe-west1_prod-eu confirmed as a cluster the lab may use',
    );
  });
});

describe('another namespace', () => {
  it('moves every object there and rewrites the client targets with kustomize replacements', async () => {
    const text = (await plan('l4-lb', { namespace: 'team-a' })).text;
    expect(text).toContain('namespace: team-a');
    expect(text).toContain(
      '      - client-grpc=--target=dns:///addr-server.team-a.svc.cluster.local:50051',
    );
    expect(text).toContain(
      '          - spec.template.spec.containers.*.args.[=--target=dns:///addr-server.grpc-lb.svc.cluster.local:50051]',
    );
    expect(text).toContain(
      'kubectl --context gke_my-project_europe-west1_lab -n team-a apply -k .lab/cluster/l4-lb',
    );
    expect(text).not.toMatch(/-n grpc-lb /);
  });

  it('refuses a scenario whose manifests name the namespace where no overlay can rewrite it', async () => {
    const refusal = plan('xds-proxyless', { namespace: 'team-a' });
    await expect(refusal).rejects.toThrow(UsageError);
    await expect(plan('xds-proxyless', { namespace: 'team-a' })).rejects.toThrow(
      /still names namespace grpc-lb: "server_uri": "xds-server\.grpc-lb\.svc\.cluster\.local:18000"/,
    );
  });
});

describe('which scenarios run in another namespace (docs/cluster-runtime.md lists them)', () => {
  const accepted = async (id: string) =>
    plan(id, { namespace: 'team-a' }).then(
      () => true,
      (error: unknown) => {
        if (!(error instanceof UsageError)) throw error;
        return false;
      },
    );
  it.each([
    ['api-resolver', true],
    ['headless-dns', true],
    ['headless-dns-max-age', true],
    ['l4-lb', true],
    ['linkerd', true],
    ['re-resolve-pool', true],
    ['envoy-dynamic', false],
    ['envoy-static', false],
    ['grpclb', false],
    ['istio', false],
    ['linkerd1-daemonset', false],
    ['node-proxy', false],
    ['xds-proxyless', false],
  ])('%s: %s', async (id, ok) => {
    expect(await accepted(id)).toBe(ok);
  });
});

describe('pnpm lab down --runtime cluster', () => {
  it('deletes the namespace only if the lab labelled it', async () => {
    const text = await planClusterDown({
      context: CONTEXT,
      namespace: 'grpc-lb',
      tools: await everyTool(CLUSTER_DOWN_TOOLS),
    });
    expect(text.slice(text.indexOf('## down'))).toBe(
      [
        '## down',
        '# namespace grpc-lb is deleted only if it carries app.kubernetes.io/managed-by=grpc-lb-lab; absent is fine',
        `kubectl --context ${CONTEXT} get namespace grpc-lb --ignore-not-found -o json`,
        '# if the output is namespace grpc-lb labelled app.kubernetes.io/managed-by=grpc-lb-lab:',
        `  kubectl --context ${CONTEXT} delete namespace grpc-lb --ignore-not-found --wait --timeout=180s`,
        '',
      ].join('\n'),
    );
  });
});
