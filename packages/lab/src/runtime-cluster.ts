import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { ZONE_LABEL } from '@lab/local-cluster';
import { ExistingCluster } from './cluster-existing.js';
import { registryImage } from './cluster-registry.js';
import { type AppImage, appImage, appsFor } from './kind-images.js';
import type { ToolName } from './kind-prereqs.js';
import { createRealRuntime, type KindRuntime, kubeConfigForContext } from './runtime-kind.js';
import type { LoadedScenario } from './scenario-load.js';

/** What a cluster run needs on this machine: docker with an engine (build, push) and kubectl. */
export const CLUSTER_TOOLS: readonly ToolName[] = ['docker', 'kubectl'];
/** `pnpm lab down --runtime cluster` only talks to the API. */
export const CLUSTER_DOWN_TOOLS: readonly ToolName[] = ['kubectl'];

/** The namespace a cluster run uses unless --namespace says otherwise. */
export const DEFAULT_CLUSTER_NAMESPACE = 'grpc-lb';

export interface ClusterRuntimeOptions {
  /** The repository root: commands run there. */
  root: string;
  /** The kubeconfig context (--context). */
  context: string;
  /** The image registry prefix (--registry). */
  registry: string;
  /** The namespace (--namespace). */
  namespace: string;
  /** docker build --platform: the nodes' os/arch. */
  platform: string;
  keep: boolean;
}

/** The scenario's images, as this run pushes them. */
export function clusterImages(
  root: string,
  loaded: LoadedScenario,
  options: Pick<ClusterRuntimeOptions, 'registry' | 'platform'>,
): AppImage[] {
  return appsFor(loaded.scenario).map((app) =>
    registryImage(appImage(root, app), options.registry, options.platform),
  );
}

/** The user's kubeconfig on the run's context (--context). */
export function kubeConfigOfContext(context: string): KubeConfig {
  return kubeConfigForContext(
    context,
    ' (kubectl config get-contexts lists them; KUBECONFIG chooses the file)',
  );
}

/** The cluster a context points at, as the kubeconfig names it. */
export function clusterOfContext(context: string): string | undefined {
  return kubeConfigOfContext(context).getContextObject(context)?.cluster;
}

/** Each node's zone label, for the topology report; nodes without one are left out. */
export async function readNodeZones(config: KubeConfig): Promise<Record<string, string>> {
  const nodes = await config.makeApiClient(CoreV1Api).listNode();
  const zones: Record<string, string> = {};
  for (const node of nodes.items) {
    const name = node.metadata?.name;
    const zone = node.metadata?.labels?.[ZONE_LABEL];
    if (name && zone) zones[name] = zone;
  }
  return zones;
}

/**
 * A cluster runtime that runs for real: the kind runtime's code on an
 * ExistingCluster, in the run's namespace, with the nodes' zones read once
 * deployed. The production guard and the manifest check come first (the CLI
 * runs them), so nothing here is reached on a cluster the lab may not use.
 */
export function createClusterRuntime(
  loaded: LoadedScenario,
  options: ClusterRuntimeOptions,
): KindRuntime {
  const cluster = new ExistingCluster({ context: options.context, registry: options.registry });
  return createRealRuntime(loaded, {
    root: options.root,
    cluster,
    namespace: options.namespace,
    images: clusterImages(options.root, loaded, options),
    keep: options.keep,
    kubeConfig: () => kubeConfigOfContext(cluster.context),
    nodeZones: () => readNodeZones(kubeConfigOfContext(cluster.context)),
  });
}
