import { UsageError } from '@lab/cli';
import { PlanRecorder, renderPlan, shellQuote } from './command-plan.js';
import { clusterDown } from './cluster-down.js';
import { ExistingCluster } from './cluster-existing.js';
import { guardCluster } from './cluster-guard.js';
import { checkClusterManifests } from './cluster-manifest-check.js';
import { PlannedPodWatch } from './kind-pod-watch.js';
import type { ToolStatus } from './kind-prereqs.js';
import {
  type ClusterRuntimeOptions,
  clusterImages,
  DEFAULT_CLUSTER_NAMESPACE,
} from './runtime-cluster.js';
import { fromRoot, KindRuntime, serverPodSelector } from './runtime-kind.js';
import { type KindPlan, recordSteps, recordTools } from './runtime-kind-plan.js';
import type { LoadedScenario } from './scenario-load.js';

/** The command line a plan is for, as a person would type it. */
export function clusterCommandLine(
  id: string,
  options: Pick<
    ClusterRuntimeOptions,
    'context' | 'registry' | 'namespace' | 'platform' | 'keep'
  > & {
    yes: boolean;
  },
): string {
  return [
    `pnpm lab ${id} --runtime cluster --context ${shellQuote(options.context)} --registry ${shellQuote(options.registry)}`,
    options.namespace === DEFAULT_CLUSTER_NAMESPACE ? '' : ` --namespace ${options.namespace}`,
    options.platform === 'linux/amd64' ? '' : ` --platform ${options.platform}`,
    options.keep ? ' --keep' : '',
    options.yes ? ' --yes' : '',
  ].join('');
}

/**
 * Renders the run's overlay and refuses (exit 2) what the cluster must not
 * get: an object outside the namespace, an image not from the registry, a
 * leftover mention of the scenario's namespace. Returns the plan's notes.
 */
export async function checkClusterScenario(
  root: string,
  loaded: LoadedScenario,
  options: Pick<ClusterRuntimeOptions, 'registry' | 'platform' | 'namespace'>,
): Promise<string[]> {
  const images = clusterImages(root, loaded, options);
  const { objects, problems } = await checkClusterManifests({
    scenarioDir: loaded.dir,
    images,
    scenario: loaded.scenario,
    namespace: options.namespace,
    registry: options.registry,
  });
  if (problems.length > 0) {
    throw new UsageError(
      [
        `${loaded.scenario.id} cannot run in namespace ${options.namespace} on the cluster runtime:`,
        ...problems.map((problem) => `  ${problem}`),
        ...(options.namespace === loaded.scenario.namespace
          ? []
          : [
              `  (its manifests name namespace ${loaded.scenario.namespace} where the overlay cannot rewrite it; run it in ${loaded.scenario.namespace}, see docs/cluster-runtime.md)`,
            ]),
      ].join('\n'),
    );
  }
  const thirdParty = new Set<string>();
  for (const object of objects) {
    for (const match of JSON.stringify(object).matchAll(/"image":"([^"]+)"/g)) {
      const image = match[1] ?? '';
      if (!image.startsWith(`${options.registry}/`)) thirdParty.add(image);
    }
  }
  return [
    `the overlay below, rendered with kubectl kustomize before anything runs: ${objects.length} objects, all in namespace ${options.namespace}; lab images from ${options.registry}/`,
    thirdParty.size > 0
      ? `third-party images, pinned, pulled by the nodes from their own registries: ${[...thirdParty].sort().join(', ')}`
      : 'no third-party images',
  ];
}

/**
 * The --dry-run plan of a cluster run: the guard and the overlay check as a
 * run does them, then the kind runtime's code on an ExistingCluster with a
 * recording runner, driven through the scenario's steps.
 */
export async function planClusterRun(
  loaded: LoadedScenario,
  options: ClusterRuntimeOptions & { tools: readonly ToolStatus[]; yes: boolean },
): Promise<KindPlan> {
  const { scenario } = loaded;
  const recorder = new PlanRecorder();
  const cluster = new ExistingCluster({ context: options.context, registry: options.registry });
  const images = clusterImages(options.root, loaded, options);
  const manifestNotes = await checkClusterScenario(options.root, loaded, options);
  const runtime = new KindRuntime({
    scenario,
    scenarioDir: fromRoot(options.root, loaded.dir),
    cluster,
    runner: recorder,
    namespace: options.namespace,
    observer: () =>
      new PlannedPodWatch(
        recorder,
        `watch the server's pods through the Kubernetes API (context ${cluster.context}): ` +
          `list, then watch /api/v1/namespaces/${options.namespace}/pods?labelSelector=${serverPodSelector(scenario)}`,
      ),
    nodeZones: async () => {
      recorder.note(
        `read each node's zone through the Kubernetes API (context ${cluster.context}): list /api/v1/nodes, label topology.kubernetes.io/zone; the report places calls by node and zone`,
      );
      return {};
    },
    images,
    keep: options.keep,
  });
  recordTools(recorder, options.tools);
  recorder.stage('manifests (checked before anything runs)');
  for (const note of manifestNotes) recorder.note(note);
  recorder.stage('guard (before anything is built, pushed or applied)');
  const verdict = await guardCluster(recorder, {
    context: options.context,
    namespace: options.namespace,
    yes: options.yes,
  });
  if (verdict.confirmed)
    recorder.note(`--yes: ${verdict.confirmed} confirmed as a cluster the lab may use`);
  recorder.note(
    'a real run stops here (exit 2) if the output shows the namespace without that label; empty output (absent) goes on',
  );
  await recordSteps(recorder, runtime, scenario);
  const header = [
    `# ${clusterCommandLine(scenario.id, options)}: the commands a run executes, in order, from the repository root.`,
    '# --dry-run: nothing was run. Lines under "# unless ...:" or "# if ...:" run only as the command above them answers.',
    '',
    '',
  ].join('\n');
  return { text: header + renderPlan(recorder.entries), entries: recorder.entries, images };
}

/** The plan of `pnpm lab down --runtime cluster`: the lab's namespace, deleted if it is the lab's. */
export async function planClusterDown(options: {
  context: string;
  namespace: string;
  tools: readonly ToolStatus[];
}): Promise<string> {
  const recorder = new PlanRecorder();
  recordTools(recorder, options.tools);
  recorder.stage('down');
  await clusterDown(recorder, options.context, options.namespace);
  return [
    `# pnpm lab down --runtime cluster --context ${shellQuote(options.context)}${options.namespace === DEFAULT_CLUSTER_NAMESPACE ? '' : ` --namespace ${options.namespace}`}: deletes the lab's namespace, if it is there and the lab's.`,
    '# --dry-run: nothing was run.',
    '',
    renderPlan(recorder.entries),
  ].join('\n');
}
