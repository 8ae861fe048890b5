/**
 * The runtimes `pnpm lab` and `pnpm lab compare` run scenarios on, and the
 * checks every one of them makes before anything starts.
 */
import { resolve } from 'node:path';
import { onShutdownSignals, UsageError } from '@lab/cli';
import {
  checkTools,
  createKindRuntime,
  kindToolsFor,
  type LoadedScenario,
  LocalRuntime,
  missingToolsMessage,
  type Runtime,
} from '@lab/lab';
import { stopAll } from '@lab/local-cluster';
import { type ClusterFlags, createClusterRun } from './lab-cluster.js';
import { repoRoot } from './script-kit.js';

/** The kind cluster every kind run uses (its name, nodes and port mappings). */
export const KIND_CLUSTER_CONFIG = resolve(repoRoot, 'k8s/kind/cluster.yaml');

export const LAB_RUNTIMES = ['local', 'kind', 'cluster'] as const;
export type LabRuntimeName = (typeof LAB_RUNTIMES)[number];

export interface RuntimeFlags extends ClusterFlags {
  runtime: LabRuntimeName;
  speed: number;
  keep?: boolean;
}

/** The runtime a scenario must list: the cluster runtime runs the kind manifests. */
export function manifestsOf(runtime: LabRuntimeName): 'local' | 'kind' {
  return runtime === 'cluster' ? 'kind' : runtime;
}

export function checkRuntime(loaded: LoadedScenario, runtime: LabRuntimeName): void {
  const { scenario } = loaded;
  if (!scenario.runtimes.includes(manifestsOf(runtime))) {
    throw new UsageError(
      `${scenario.id} runs on ${scenario.runtimes.join(', ')}, not on the ${runtime} runtime` +
        (scenario.runtimes.includes('kind') ? ' (try --runtime kind)' : ''),
    );
  }
}

/**
 * The manifests hold speed-1 flags (client windows, resolution intervals,
 * MAX_CONNECTION_AGE) and CoreDNS's TTL is the cluster's, so a faster run
 * would measure something else than the scenario says.
 */
export function refuseClusterSpeed(flags: Pick<RuntimeFlags, 'runtime' | 'speed'>): void {
  if (flags.runtime !== 'local' && flags.speed !== 1) {
    throw new UsageError(
      `the ${flags.runtime} runtime runs at --speed 1 only (the manifests hold the real durations); drop --speed ${flags.speed}`,
    );
  }
}

/** The runtime a scenario runs on, after every check that can refuse it. */
export async function createLabRuntime(
  loaded: LoadedScenario,
  flags: RuntimeFlags,
): Promise<Runtime> {
  refuseClusterSpeed(flags);
  if (flags.runtime === 'cluster') return createClusterRun(loaded, flags, flags.keep === true);
  checkRuntime(loaded, flags.runtime);
  if (flags.runtime === 'kind') {
    const missing = missingToolsMessage(
      await checkTools(kindToolsFor(loaded.scenario.tools)),
      'the kind runtime',
    );
    if (missing) throw new UsageError(missing);
    return createKindRuntime(loaded, {
      root: repoRoot,
      clusterConfig: KIND_CLUSTER_CONFIG,
      keep: flags.keep === true,
    });
  }
  return new LocalRuntime(loaded.scenario, { speed: flags.speed });
}

/**
 * Ctrl-C or SIGTERM: a kind or cluster run stops its kubectl streams and
 * deletes its namespace (unless --keep), every process the lab started
 * stops, then exit 130 (128 + SIGINT). A second Ctrl-C exits at once.
 */
export function stopEverythingOnSignal(name: string, active: () => Runtime | undefined): void {
  onShutdownSignals((signal) => {
    process.stderr.write(`\n${name}: ${signal}: stopping every process it started\n`);
    const current = active();
    const runtime = current?.name === 'kind' || current?.name === 'cluster' ? current : undefined;
    if (runtime) process.stderr.write(`${name}: tearing the ${runtime.name} run down first\n`);
    void Promise.allSettled([runtime?.teardown(), stopAll(2000)]).then(() => process.exit(130));
  });
}
