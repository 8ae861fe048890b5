import { type CommandRunner, type PlanEntry, PlanRecorder, renderPlan } from './command-plan.js';
import type { AppImage } from './kind-images.js';
import { appImage, appsFor } from './kind-images.js';
import { PlannedPodWatch } from './kind-pod-watch.js';
import type { ToolStatus } from './kind-prereqs.js';
import type { RuntimeSink } from './runtime.js';
import {
  KindRuntime,
  type KindRuntimeOptions,
  fromRoot,
  kindClusterOf,
  serverPodSelector,
} from './runtime-kind.js';
import type { LoadedScenario } from './scenario-load.js';
import type { Step } from './scenario-schema.js';

export interface KindPlan {
  /** The plan as printed. */
  text: string;
  entries: PlanEntry[];
  /** The images with their content-hash tags, as computed for this plan. */
  images: readonly AppImage[];
}

const seconds = (ms: number) => `${+(ms / 1000).toFixed(3)}s`;

function stepTitle(step: Step, index: number): string {
  const n = `step ${index + 1}`;
  switch (step.action) {
    case 'say':
      return `${n}: say`;
    case 'deploy':
      return `${n}: deploy`;
    case 'balancer':
      return `${n}: balancer ${step.to}`;
    case 'scale':
      return `${n}: scale to ${step.replicas}`;
    case 'rollout-restart':
      return `${n}: rollout-restart${step.wait ? '' : ' (wait: false)'}`;
    case 'kill-pod':
      return `${n}: kill-pod ${step.pod}${step.graceMs === undefined ? '' : ` (grace ${seconds(step.graceMs)})`}`;
    case 'wait':
      return `${n}: wait ${seconds(step.ms)}`;
    case 'measure':
      return `${n}: measure ${step.phase} for ${seconds(step.ms)}`;
  }
}

export function recordTools(recorder: CommandRunner, tools: readonly ToolStatus[]): void {
  recorder.stage('prerequisites');
  recorder.note('checked before anything runs; a real run stops here (exit 2) if one is missing');
  for (const status of tools) {
    recorder.note(
      status.ok ? `${status.tool}: found (${status.checked})` : `MISSING here: ${status.hint}`,
    );
  }
}

const ignoreSink: RuntimeSink = { window: () => {}, event: () => {} };

/**
 * Drives a runtime on a recording runner through the scenario's steps, the
 * way the engine drives it, then through its teardown. Steps that run no
 * command (say, wait, measure) say so.
 */
export async function recordSteps(
  recorder: PlanRecorder,
  runtime: KindRuntime,
  scenario: LoadedScenario['scenario'],
): Promise<void> {
  for (const [index, step] of scenario.steps.entries()) {
    if (step.action === 'say') continue;
    recorder.stage(stepTitle(step, index));
    switch (step.action) {
      case 'deploy':
        await runtime.deploy(ignoreSink);
        break;
      case 'scale':
        await runtime.scale(step.replicas);
        break;
      case 'rollout-restart':
        await runtime.rolloutRestart();
        if (!step.wait) {
          recorder.note(
            'wait: false: the next steps start at once; the first one that is not a measure waits for the rollout status above',
          );
        }
        break;
      case 'kill-pod':
        if (step.pod.startsWith('pinned-by:')) {
          recorder.note(
            `the pod is the one that served ${step.pod.slice('pinned-by:'.length)}'s latest calls, from its window lines; if it is already gone, nothing is deleted`,
          );
        }
        await runtime.killPod(step.pod, step.graceMs);
        break;
      case 'balancer':
        await runtime.balancer(step.to);
        break;
      case 'wait':
        recorder.note('no command: time passes, unmeasured');
        break;
      case 'measure':
        recorder.note("no command: the clients' window lines streamed above are the measurement");
        break;
    }
  }
  recorder.stage('teardown (also on Ctrl-C or an error)');
  await runtime.teardown();
}

/**
 * The --dry-run plan of a scenario: the kind runtime itself, on a runner that
 * records, driven through the scenario's steps the way the engine drives it.
 * Steps that run no command (say, wait, measure) say so.
 */
export async function planKindRun(
  loaded: LoadedScenario,
  options: KindRuntimeOptions & { tools: readonly ToolStatus[] },
): Promise<KindPlan> {
  const { scenario } = loaded;
  const recorder = new PlanRecorder();
  const cluster = kindClusterOf(options.root, options.clusterConfig);
  const images = appsFor(scenario).map((app) => appImage(options.root, app));
  const runtime = new KindRuntime({
    scenario,
    scenarioDir: fromRoot(options.root, loaded.dir),
    cluster,
    runner: recorder,
    observer: () =>
      new PlannedPodWatch(
        recorder,
        `watch the server's pods through the Kubernetes API (context ${cluster.context}): ` +
          `list, then watch /api/v1/namespaces/${scenario.namespace}/pods?labelSelector=${serverPodSelector(scenario)}`,
      ),
    images,
    keep: options.keep,
  });
  recordTools(recorder, options.tools);
  await recordSteps(recorder, runtime, scenario);
  const header = [
    `# pnpm lab ${scenario.id} --runtime kind${options.keep ? ' --keep' : ''}: the commands a run executes, in order, from the repository root.`,
    '# --dry-run: nothing was run. Lines under "# unless ...:" or "# if ...:" run only as the command above them answers.',
    '',
    '',
  ].join('\n');
  return { text: header + renderPlan(recorder.entries), entries: recorder.entries, images };
}

/** The plan of `pnpm lab down`: the cluster of k8s/kind/cluster.yaml, deleted if it exists. */
export async function planKindDown(
  options: Pick<KindRuntimeOptions, 'root' | 'clusterConfig'> & { tools: readonly ToolStatus[] },
): Promise<string> {
  const recorder = new PlanRecorder();
  recordTools(recorder, options.tools);
  recorder.stage('down');
  await kindClusterOf(options.root, options.clusterConfig).down(recorder);
  return [
    '# pnpm lab down: deletes the kind cluster, if there is one.',
    '# --dry-run: nothing was run.',
    '',
    renderPlan(recorder.entries),
  ].join('\n');
}
