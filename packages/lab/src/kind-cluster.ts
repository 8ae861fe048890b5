import type { CommandRunner, Probe } from './command-plan.js';
import { type AppImage, buildImages } from './kind-images.js';
import { generatedKustomization } from './kind-kustomization.js';
import { installMesh, MESHES, type MeshName } from './kind-mesh.js';
import type { Scenario } from './scenario-schema.js';

/**
 * Where the lab's objects go, and what differs from one kind of cluster to
 * another: getting a cluster, getting images onto its nodes, its DNS, its
 * mesh, and the overlay that points the manifests at the images. Everything
 * else (apply, watch, scale, logs, teardown) only needs the kubectl context;
 * kind (`KindCluster`) and an existing cluster (`ExistingCluster`) share it.
 */
export interface ClusterTarget {
  /** The runtime's name: `kind` or `cluster`; also the folder under .lab/ of its generated files. */
  readonly runtime: 'kind' | 'cluster';
  /** For `kubectl --context` and the API watch: never the user's current context. */
  readonly context: string;
  /** Makes sure the cluster exists. */
  ensure(runner: CommandRunner): Promise<void>;
  /** Builds the images where needed and makes them runnable on every node. */
  provideImages(runner: CommandRunner, images: readonly AppImage[]): Promise<void>;
  /**
   * Gives cluster DNS names the scenario's TTL, where the lab owns the
   * cluster's DNS; a cluster it does not own keeps its own settings.
   */
  setDnsTtl(runner: CommandRunner, ttlSeconds: number): Promise<void>;
  /** Makes sure the scenario's mesh runs on the cluster before anything of the scenario is applied. */
  prepareMesh(runner: CommandRunner, mesh: MeshName): Promise<void>;
  /** What the narration says about the mesh. */
  describeMesh(mesh: MeshName): string;
  /** The generated kustomization: the scenario's own, with this run's images (and namespace). */
  kustomization(input: KustomizationInput): string;
  describe(): string;
}

export interface KustomizationInput {
  /** Where the kustomization is written, from the repository root. */
  outDir: string;
  /** The scenario's folder, from the repository root. */
  scenarioDir: string;
  images: readonly AppImage[];
  scenario: Scenario;
  /** The namespace the run deploys into. */
  namespace: string;
}

export interface KindClusterOptions {
  /** The cluster name, from k8s/kind/cluster.yaml. */
  name: string;
  /** k8s/kind/cluster.yaml, from the repository root. */
  config: string;
}

export class KindCluster implements ClusterTarget {
  readonly runtime = 'kind';
  readonly context: string;

  constructor(private readonly options: KindClusterOptions) {
    // kind names the kubeconfig context it writes after the cluster.
    this.context = `kind-${options.name}`;
  }

  get name(): string {
    return this.options.name;
  }

  /** `kind get clusters` prints one name per line (and "No kind clusters found." on stderr). */
  private listed(): Probe {
    return {
      argv: ['kind', 'get', 'clusters'],
      what: `the output lists ${this.options.name}`,
      holds: (result) =>
        result.code === 0 &&
        result.stdout.split('\n').some((line) => line.trim() === this.options.name),
    };
  }

  async ensure(runner: CommandRunner): Promise<void> {
    runner.note(`the kind cluster ${this.options.name}: reused if it exists, else created`);
    await runner.unless(this.listed(), async () => {
      await runner.run([
        'kind',
        'create',
        'cluster',
        '--name',
        this.options.name,
        '--config',
        this.options.config,
      ]);
    });
  }

  async provideImages(runner: CommandRunner, images: readonly AppImage[]): Promise<void> {
    runner.note(
      'the images, tagged with a hash of what goes into each: built unless that tag exists',
    );
    await buildImages(runner, images);
    // kind compares image IDs and copies an image only to nodes that lack it.
    runner.note('load the images onto every node of the cluster (there is no registry)');
    for (const image of images) {
      await runner.run(['kind', 'load', 'docker-image', image.ref, '--name', this.options.name]);
    }
  }

  /**
   * kind's CoreDNS runs kubeadm's Corefile: `ttl 30` on cluster names and
   * `cache 30` in front of them, so a client may see an answer up to 30 s
   * old. The local runtime's DNS uses the scenario's `dns.ttl`; this gives
   * kind's CoreDNS the same, in its answers and in its cache.
   */
  async setDnsTtl(runner: CommandRunner, ttlSeconds: number): Promise<void> {
    const coredns = ['kubectl', '--context', this.context, '-n', 'kube-system'];
    runner.note(
      `CoreDNS: cluster names answered and cached for ${ttlSeconds} s, the scenario's dns.ttl (kubeadm's default: 30 s)`,
    );
    await runner.run([
      ...coredns,
      'patch',
      'configmap',
      'coredns',
      '--type',
      'merge',
      '-p',
      JSON.stringify({ data: { Corefile: kubeadmCorefile(ttlSeconds) } }),
    ]);
    await runner.run([...coredns, 'rollout', 'restart', 'deployment/coredns']);
    await runner.run([...coredns, 'rollout', 'status', 'deployment/coredns', '--timeout=180s']);
  }

  /** The lab owns this cluster: the mesh is installed on it, and stays until `pnpm lab down`. */
  prepareMesh(runner: CommandRunner, mesh: MeshName): Promise<void> {
    return installMesh(runner, mesh, this.context);
  }

  describeMesh(mesh: MeshName): string {
    return `mesh: ${mesh} ${MESHES[mesh].version}, left installed on the cluster`;
  }

  kustomization(input: KustomizationInput): string {
    return generatedKustomization(input.outDir, input.scenarioDir, input.images);
  }

  /** `pnpm lab down`: deletes the cluster if it is there. Resolves with whether it was. */
  async down(runner: CommandRunner): Promise<boolean> {
    let deleted = false;
    await runner.when(this.listed(), async () => {
      await runner.run(['kind', 'delete', 'cluster', '--name', this.options.name]);
      deleted = true;
    });
    return deleted;
  }

  describe(): string {
    return `kind cluster ${this.options.name} (kubectl context ${this.context}, from ${this.options.config})`;
  }
}

/** kubeadm's default Corefile, with the TTL and the cache length set to `ttlSeconds`. */
export function kubeadmCorefile(ttlSeconds: number): string {
  return `.:53 {
    errors
    health {
       lameduck 5s
    }
    ready
    kubernetes cluster.local in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl ${ttlSeconds}
    }
    prometheus :9153
    forward . /etc/resolv.conf {
       max_concurrent 1000
    }
    cache ${ttlSeconds}
    loop
    reload
    loadbalance
}
`;
}
