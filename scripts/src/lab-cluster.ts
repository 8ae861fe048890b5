/**
 * `pnpm lab … --runtime cluster`: the options, their checks, the plan, the
 * run's preflight (manifests, guard, tools) and `down`. lab.ts calls these;
 * the runtime itself is @lab/lab's (runtime-cluster.ts).
 */
import { Option } from 'commander';
import { UsageError } from '@lab/cli';
import {
  CLUSTER_DOWN_TOOLS,
  CLUSTER_TOOLS,
  type ClusterRuntimeOptions,
  checkClusterScenario,
  checkTools,
  clusterDown,
  clusterOfContext,
  createClusterRuntime,
  DEFAULT_CLUSTER_NAMESPACE,
  DEFAULT_PLATFORM,
  guardCluster,
  type LoadedScenario,
  missingToolsMessage,
  planClusterDown,
  planClusterRun,
  platformProblem,
  registryProblem,
  type Runtime,
  ZxRunner,
} from '@lab/lab';
import { repoRoot } from './script-kit.js';

export interface ClusterFlags {
  context?: string;
  registry?: string;
  namespace: string;
  platform: string;
  yes?: boolean;
}

/** A Kubernetes namespace name: an RFC 1123 label. */
const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export function clusterOptions(): Option[] {
  return [
    new Option(
      '--context <name>',
      'with --runtime cluster: the kubeconfig context to run on (never the current one implicitly)',
    ),
    new Option(
      '--registry <prefix>',
      'with --runtime cluster: where images are pushed, e.g. europe-west1-docker.pkg.dev/PROJECT/grpc-lb-lab',
    ),
    new Option(
      '--namespace <name>',
      'with --runtime cluster: the namespace the lab creates, uses and deletes',
    ).default(DEFAULT_CLUSTER_NAMESPACE),
    new Option(
      '--platform <os/arch>',
      "with --runtime cluster: the nodes' platform, for docker build",
    ).default(DEFAULT_PLATFORM),
    new Option(
      '--yes',
      'with --runtime cluster: run on a context whose name looks like production (prod, production, prd, live)',
    ),
  ];
}

/** Cluster options given without --runtime cluster are a mistake, not something to ignore. */
export function refuseClusterFlags(flags: ClusterFlags, runtime: string): void {
  const given = [
    flags.context !== undefined && '--context',
    flags.registry !== undefined && '--registry',
    flags.namespace !== DEFAULT_CLUSTER_NAMESPACE && '--namespace',
    flags.platform !== DEFAULT_PLATFORM && '--platform',
    flags.yes && '--yes',
  ].filter(Boolean);
  if (runtime !== 'cluster' && given.length > 0) {
    throw new UsageError(
      `${given.join(', ')} ${given.length === 1 ? 'goes' : 'go'} with --runtime cluster`,
    );
  }
}

function context(flags: ClusterFlags): string {
  if (!flags.context) {
    throw new UsageError(
      '--runtime cluster needs --context <name>: the kubeconfig context to run on (kubectl config get-contexts lists them)',
    );
  }
  return flags.context;
}

function namespace(flags: ClusterFlags): string {
  if (!NAMESPACE.test(flags.namespace)) {
    throw new UsageError(
      `--namespace ${flags.namespace}: not a namespace name (lower-case letters, digits and -, at most 63)`,
    );
  }
  return flags.namespace;
}

/** Every setting of a cluster run, checked. */
export function clusterSettings(
  flags: ClusterFlags,
  keep: boolean,
): Omit<ClusterRuntimeOptions, 'root'> & { yes: boolean } {
  if (!flags.registry) {
    throw new UsageError(
      '--runtime cluster needs --registry <prefix>: the image registry the nodes pull from (docs/cluster-runtime.md)',
    );
  }
  const registry = registryProblem(flags.registry);
  if (registry) throw new UsageError(`--registry ${flags.registry}: ${registry}`);
  const platform = platformProblem(flags.platform);
  if (platform) throw new UsageError(`--platform ${flags.platform}: ${platform}`);
  return {
    context: context(flags),
    registry: flags.registry,
    namespace: namespace(flags),
    platform: flags.platform,
    keep,
    yes: flags.yes === true,
  };
}

/** The cluster runtime runs the kind manifests: a scenario that does not run on kind cannot. */
export function checkClusterRuntime(loaded: LoadedScenario): void {
  const { scenario } = loaded;
  if (!scenario.runtimes.includes('kind')) {
    throw new UsageError(
      `${scenario.id} runs on ${scenario.runtimes.join(', ')}; the cluster runtime runs the kind manifests, so only scenarios that run on kind`,
    );
  }
}

/** --dry-run: the plan printed; returns the number of commands in it. */
export async function printClusterPlan(
  loaded: LoadedScenario,
  flags: ClusterFlags,
  keep: boolean,
): Promise<number> {
  checkClusterRuntime(loaded);
  const plan = await planClusterRun(loaded, {
    root: repoRoot,
    ...clusterSettings(flags, keep),
    tools: await checkTools(CLUSTER_TOOLS),
  });
  process.stdout.write(plan.text);
  const commands = new Set(['run', 'stream', 'branch']);
  return plan.entries.filter((entry) => commands.has(entry.kind)).length;
}

/**
 * A real run's preflight, in the plan's order, then the runtime: the
 * overlay rendered and checked (local), kubectl, the production guard (reads
 * the namespace), then docker. Nothing is built or applied before all pass.
 */
export async function createClusterRun(
  loaded: LoadedScenario,
  flags: ClusterFlags,
  keep: boolean,
): Promise<Runtime> {
  checkClusterRuntime(loaded);
  const settings = clusterSettings(flags, keep);
  await checkClusterScenario(repoRoot, loaded, settings);
  const kubectl = missingToolsMessage(await checkTools(['kubectl']), 'the cluster runtime');
  if (kubectl) throw new UsageError(kubectl);
  let cluster: string | undefined;
  try {
    cluster = clusterOfContext(settings.context);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  await guardCluster(new ZxRunner({ cwd: repoRoot }), {
    context: settings.context,
    cluster,
    namespace: settings.namespace,
    yes: settings.yes,
  });
  const missing = missingToolsMessage(await checkTools(CLUSTER_TOOLS), 'the cluster runtime');
  if (missing) throw new UsageError(missing);
  return createClusterRuntime(loaded, { root: repoRoot, ...settings });
}

/** `pnpm lab down --runtime cluster`: the lab's namespace, if it is there and the lab's. */
export async function clusterDownCommand(flags: ClusterFlags, dryRun: boolean): Promise<void> {
  const settings = { context: context(flags), namespace: namespace(flags) };
  const tools = await checkTools(CLUSTER_DOWN_TOOLS);
  if (dryRun) {
    process.stdout.write(await planClusterDown({ ...settings, tools }));
    console.log('lab down --runtime cluster --dry-run: nothing was run');
    return;
  }
  const missing = missingToolsMessage(tools, 'pnpm lab down --runtime cluster');
  if (missing) throw new UsageError(missing);
  const outcome = await clusterDown(
    new ZxRunner({ cwd: repoRoot }),
    settings.context,
    settings.namespace,
  );
  console.log(
    outcome === 'deleted'
      ? `lab down: deleted namespace ${settings.namespace} on context ${settings.context}`
      : `lab down: no namespace ${settings.namespace} on context ${settings.context}; nothing to delete`,
  );
}
