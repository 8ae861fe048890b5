import type { CommandRunner } from './command-plan.js';
import { clusterKustomization } from './cluster-kustomization.js';
import { pushImages } from './cluster-registry.js';
import type { ClusterTarget, KustomizationInput } from './kind-cluster.js';
import type { AppImage } from './kind-images.js';
import type { MeshName } from './kind-mesh.js';

/** How long the mesh check waits for a control plane that is installed but still starting. */
const MESH_WAIT = '60s';

/**
 * Each mesh's control plane, as its own installer names it. On a cluster the
 * lab does not own it installs nothing cluster-wide: the mesh must be there.
 */
export const MESH_CONTROL_PLANES: Record<
  MeshName,
  { namespace: string; deployment: string; install: string }
> = {
  istio: {
    namespace: 'istio-system',
    deployment: 'istiod',
    install: 'istioctl install --set profile=minimal -y (docs/cluster-runtime.md)',
  },
  linkerd: {
    namespace: 'linkerd',
    deployment: 'linkerd-destination',
    install:
      'linkerd install --crds | kubectl apply -f -; linkerd install | kubectl apply -f - (docs/cluster-runtime.md)',
  },
};

export interface ExistingClusterOptions {
  /** The kubeconfig context: the only cluster the run talks to. */
  context: string;
  /** Where images are pushed: `<registry>/<app>:<tag>`. */
  registry: string;
}

/**
 * A cluster somebody else runs (GKE, EKS, AKS, any kubeconfig context): it is
 * there already, images reach its nodes through a registry, and its DNS and
 * meshes are its owner's business.
 */
export class ExistingCluster implements ClusterTarget {
  readonly runtime = 'cluster';
  readonly context: string;

  constructor(private readonly options: ExistingClusterOptions) {
    this.context = options.context;
  }

  get registry(): string {
    return this.options.registry;
  }

  async ensure(runner: CommandRunner): Promise<void> {
    runner.note(
      `the cluster behind kubeconfig context ${this.context}: the lab creates none, and touches nothing outside its namespace`,
    );
  }

  provideImages(runner: CommandRunner, images: readonly AppImage[]): Promise<void> {
    return pushImages(runner, images);
  }

  async setDnsTtl(runner: CommandRunner, ttlSeconds: number): Promise<void> {
    runner.note(
      `cluster DNS stays as its owner set it (often a 30 s TTL, plus node-local caches); the scenario assumes ${ttlSeconds} s, so DNS re-resolution may lag what it expects`,
    );
  }

  async prepareMesh(runner: CommandRunner, mesh: MeshName): Promise<void> {
    const plane = MESH_CONTROL_PLANES[mesh];
    runner.note(
      `${mesh} must already run on the cluster (the lab installs nothing cluster-wide here; install it with: ${plane.install}); its control plane must be Ready`,
    );
    await runner.run([
      'kubectl',
      '--context',
      this.context,
      '-n',
      plane.namespace,
      'rollout',
      'status',
      `deployment/${plane.deployment}`,
      `--timeout=${MESH_WAIT}`,
    ]);
  }

  describeMesh(mesh: MeshName): string {
    return `mesh: ${mesh}, as installed on the cluster (${MESH_CONTROL_PLANES[mesh].namespace}/${MESH_CONTROL_PLANES[mesh].deployment}); the lab neither installed nor removes it`;
  }

  kustomization(input: KustomizationInput): string {
    return clusterKustomization(input);
  }

  describe(): string {
    return `the cluster of kubeconfig context ${this.context}, images from ${this.options.registry}`;
  }
}
