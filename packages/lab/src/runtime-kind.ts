import { posix, relative, sep } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { readKindCluster } from '@lab/manifests';
import type { CommandRunner, StreamHandle } from './command-plan.js';
import { ZxRunner } from './command-plan-zx.js';
import type { PodRecord } from './engine-types.js';
import { type ClusterTarget, KindCluster } from './kind-cluster.js';
import { type AppImage, appImage, appsFor } from './kind-images.js';
import { generatedKustomizationDir } from './kind-kustomization.js';
import { followClientLog } from './kind-log-stream.js';
import { KubePodWatch, type PodObserver } from './kind-pod-watch.js';
import type { Runtime, RuntimeSink } from './runtime.js';
import type { Scenario } from './scenario-schema.js';
import type { LoadedScenario } from './scenario-load.js';

/** The label k8s/base puts on every server object (`server`) and client Job (`client`). */
const COMPONENT_LABEL = 'app.kubernetes.io/component';
/** Bounds every wait on the cluster, so a stuck rollout fails the run instead of hanging it. */
const KUBECTL_TIMEOUT = '180s';
/** The first calls wait for image pulls from the node's cache and DNS; a minute is ample. */
const FIRST_CALLS_TIMEOUT_MS = 60_000;

type BalancerKind = NonNullable<Scenario['balancer']>['kind'];

interface BalancerObjects {
  /** For the description. */
  what: string;
  /** The Deployment `balancer:` steps scale; its pods carry app.kubernetes.io/name=<deployment>. */
  deployment: string;
  /** The ClusterIP Service the clients dial, and its port. */
  service: string;
  port: number;
  /** What a stop and a start do to the clients, for the narration and the plan. */
  stopped: string;
  started: string;
}

/**
 * Each balancer's objects, as k8s/components/grpclb-balancer and
 * k8s/components/xds-control-plane name them.
 */
const BALANCERS: Record<BalancerKind, BalancerObjects> = {
  grpclb: {
    what: 'grpclb balancer',
    deployment: 'grpclb-server',
    service: 'grpclb',
    port: 9000,
    stopped:
      'no balancer pod left: preStop, then SIGTERM ends every BalanceLoad stream; clients keep their last server list',
    started: 'one balancer pod again, Ready; clients open a new stream on their next retry',
  },
  xds: {
    what: 'xDS control plane',
    deployment: 'xds-server',
    service: 'xds-server',
    port: 18000,
    stopped:
      'no control plane pod left: preStop, then SIGTERM ends every ADS stream with UNAVAILABLE; clients keep their last resources and connections',
    started:
      'one control plane pod again, Ready once it has listed the EndpointSlices; clients reopen their ADS stream on their next retry and ask for everything again',
  },
};

export interface KindRuntimeParts {
  scenario: Scenario;
  /** The scenario's folder, from the repository root (the generated kustomization points at it). */
  scenarioDir: string;
  cluster: ClusterTarget;
  runner: CommandRunner;
  /** Called once the cluster exists, so a kubeconfig context it just created is there. */
  observer: () => PodObserver;
  images: readonly AppImage[];
  /** --keep: leave the namespace (and the clients in it) running after the run. */
  keep: boolean;
  /** The namespace to deploy into; default the scenario's. */
  namespace?: string;
  /**
   * Reads each node's zone from the cluster, once it exists: the topology
   * report groups calls by it. Unset: the report has nodes only.
   */
  nodeZones?: () => Promise<Record<string, string>>;
}

/**
 * A scenario on a real cluster, driven with docker, kind and kubectl through
 * a CommandRunner (executed, or recorded as the --dry-run plan: the same code
 * either way), and watched through the Kubernetes API. Only `cluster` knows
 * what kind is: the rest needs nothing but a kubectl context.
 */
export class KindRuntime implements Runtime {
  readonly name: 'kind' | 'cluster';
  /** Where every object goes: the scenario's namespace, or the one the run was given. */
  readonly namespace: string;
  private zones: Record<string, string> | undefined;
  private sink: RuntimeSink | undefined;
  private observer: PodObserver | undefined;
  private readonly streams: StreamHandle[] = [];
  /** Set once the run has touched the namespace; teardown leaves alone what it never made. */
  private namespaceTouched = false;
  private tornDown: Promise<void> | undefined;
  private readonly kustomizationDir: string;

  constructor(private readonly parts: KindRuntimeParts) {
    this.name = parts.cluster.runtime;
    this.namespace = parts.namespace ?? parts.scenario.namespace;
    this.kustomizationDir = generatedKustomizationDir(parts.scenario.id, parts.cluster.runtime);
  }

  /** Each node's zone, once deploy has read them (cluster runtime only). */
  nodeZones(): Record<string, string> | undefined {
    return this.zones;
  }

  get images(): readonly AppImage[] {
    return this.parts.images;
  }

  async deploy(sink: RuntimeSink): Promise<void> {
    this.sink = sink;
    const { runner, cluster, images, scenario } = this.parts;
    const { namespace } = this;
    await cluster.ensure(runner);
    await cluster.setDnsTtl(runner, Math.max(1, Math.round(scenario.dns.ttl / 1000)));
    // Before the scenario's objects: the mesh's CRDs (a VirtualService, say)
    // and its injector must exist when they are applied.
    if (scenario.mesh) await cluster.prepareMesh(runner, scenario.mesh);
    await cluster.provideImages(runner, images);
    runner.note(
      `the scenario's kustomization with this run's image ${cluster.runtime === 'kind' ? 'tags' : 'names and tags'}`,
    );
    await runner.writeFile(
      posix.join(this.kustomizationDir, 'kustomization.yaml'),
      cluster.kustomization({
        outDir: this.kustomizationDir,
        scenarioDir: this.parts.scenarioDir,
        images,
        scenario,
        namespace,
      }),
    );
    runner.note(`a fresh namespace: what an earlier --keep run left in ${namespace} goes first`);
    this.namespaceTouched = true;
    await runner.run(this.deleteNamespace());
    this.observer = this.parts.observer();
    await this.observer.start((event) => sink.event(event));
    if (this.parts.nodeZones) this.zones = await this.parts.nodeZones();
    runner.note('the server objects (everything but the clients), then their rollout');
    await runner.run(
      this.kubectl('apply', '-k', this.kustomizationDir, '-l', `${COMPONENT_LABEL}!=client`),
    );
    await runner.run(this.rolloutStatus());
    // Its pods are server objects too (not `client`): the clients start once
    // it is Ready, so their first request gets an answer.
    if (scenario.balancer) await runner.run(this.balancerRolloutStatus());
    // Proxies the clients dial (a DaemonSet per node): a client started before
    // its node's proxy is Ready would spend its first-call wait on it.
    for (const workload of scenario.rollouts) {
      await runner.run(this.kubectl('rollout', 'status', workload, `--timeout=${KUBECTL_TIMEOUT}`));
    }
    runner.note("the clients, one Job each; then each client's window lines, as they come");
    await runner.run(
      this.kubectl('apply', '-k', this.kustomizationDir, '-l', `${COMPONENT_LABEL}=client`),
    );
    await runner.run(
      this.kubectl(
        'wait',
        'job',
        '-l',
        `${COMPONENT_LABEL}=client`,
        '--for=jsonpath={.status.ready}=1',
        `--timeout=${KUBECTL_TIMEOUT}`,
      ),
    );
    const serving = new Set<string>();
    const counting: RuntimeSink = {
      window: (line) => {
        if (line.ok > 0) serving.add(line.client);
        sink.window(line);
      },
      event: (event) => sink.event(event),
    };
    for (const client of scenario.clients) {
      const argv = this.kubectl('logs', '-f', `job/client-${client.name}`);
      this.streams.push(followClientLog(runner, argv, client.name, counting));
    }
    // As on the local runtime: the first phase starts once every client has
    // had an answer, so what a client did while still resolving lands before it.
    await runner.waitUntil(
      'every client has made a successful call',
      () => serving.size === scenario.clients.length,
      FIRST_CALLS_TIMEOUT_MS,
    );
  }

  async scale(replicas: number): Promise<void> {
    const { runner, scenario } = this.parts;
    await runner.run(
      this.kubectl('scale', `deployment/${scenario.server.name}`, `--replicas=${replicas}`),
    );
    await runner.run(this.rolloutStatus());
  }

  /** Returns when the rollout is done; the engine decides whether to wait (`wait: false`). */
  async rolloutRestart(): Promise<void> {
    const { runner, scenario } = this.parts;
    await runner.run(this.kubectl('rollout', 'restart', `deployment/${scenario.server.name}`));
    await runner.run(this.rolloutStatus());
  }

  /**
   * Deletes the pod and waits until it is gone (kubectl's default) and its
   * replacement is Ready, as the local runtime does.
   */
  async killPod(pod: string, graceMs: number | undefined): Promise<string> {
    const { runner } = this.parts;
    const name = this.podObserver().resolve(pod);
    const grace =
      graceMs === undefined
        ? []
        : graceMs === 0
          ? ['--grace-period=0', '--force']
          : // kubectl takes whole seconds, and 0 means something else.
            [`--grace-period=${Math.max(1, Math.ceil(graceMs / 1000))}`];
    await runner.run(this.kubectl('delete', 'pod', name, ...grace));
    await runner.run(this.rolloutStatus());
    return name;
  }

  // --- The balancer (scenarios with `balancer:`) -------------------------------

  /** The balancer's objects, for `balancer.kind`. */
  private balancerObjects(): BalancerObjects {
    const { scenario } = this.parts;
    if (!scenario.balancer) throw new Error(`scenario ${scenario.id} runs no balancer`);
    return BALANCERS[scenario.balancer.kind];
  }

  /**
   * `stop`: scale the balancer's Deployment (grpclb-server or xds-server, as
   * `balancer.kind` says) to 0 and wait until its pod is gone (preStop, then
   * SIGTERM ends every stream), so the next phase starts with no balancer at
   * all. `start`: back to 1 replica, and wait until it is Ready; clients
   * reconnect to the Service's stable address by themselves.
   */
  async balancer(to: 'stop' | 'start'): Promise<void> {
    const { runner } = this.parts;
    const objects = this.balancerObjects();
    const deployment = `deployment/${objects.deployment}`;
    if (to === 'stop') {
      runner.note(objects.stopped);
      await runner.run(this.kubectl('scale', deployment, '--replicas=0'));
      // --for=delete succeeds at once when no pod matches (already gone).
      await runner.run(
        this.kubectl(
          'wait',
          'pod',
          '-l',
          `app.kubernetes.io/name=${objects.deployment}`,
          '--for=delete',
          `--timeout=${KUBECTL_TIMEOUT}`,
        ),
      );
      this.sink?.event({ at: Date.now(), kind: 'note', detail: 'balancer stopped' });
      return;
    }
    runner.note(objects.started);
    await runner.run(this.kubectl('scale', deployment, '--replicas=1'));
    await runner.run(this.balancerRolloutStatus());
    this.sink?.event({ at: Date.now(), kind: 'note', detail: 'balancer Ready again' });
  }

  private balancerRolloutStatus(): string[] {
    return this.kubectl(
      'rollout',
      'status',
      `deployment/${this.balancerObjects().deployment}`,
      `--timeout=${KUBECTL_TIMEOUT}`,
    );
  }

  // ---------------------------------------------------------------------------

  pods(): PodRecord[] {
    return this.observer?.pods() ?? [];
  }

  /** A command of a real run, as a note in the narration and the report. */
  commandRan(line: string): void {
    this.sink?.event({ at: Date.now(), kind: 'note', detail: `$ ${line}` });
  }

  describe(): string[] {
    const { scenario, cluster, images } = this.parts;
    const { service } = scenario;
    const { namespace } = this;
    const fqdn = `${service.name}.${namespace}.svc.cluster.local`;
    const balancer = scenario.balancer && BALANCERS[scenario.balancer.kind];
    const how =
      service.kind === 'headless'
        ? 'CoreDNS answers one A record per Ready pod'
        : `kube-proxy picks a Ready pod per connection${service.kind === 'nodeport' ? `; also on node ports 30051 and 30080${cluster.runtime === 'kind' ? ' (127.0.0.1 on this machine)' : ''}` : ''}`;
    return [
      `${cluster.runtime} runtime: ${cluster.describe()}, namespace ${namespace}`,
      `${service.kind} Service ${fqdn}: ${how}`,
      `images: ${images.map((image) => image.ref).join(', ')}`,
      ...(scenario.mesh ? [cluster.describeMesh(scenario.mesh)] : []),
      ...(balancer
        ? [
            `${balancer.what}: Deployment ${balancer.deployment} behind Service ${balancer.service}.${namespace}.svc.cluster.local:${balancer.port}, watching EndpointSlices as ServiceAccount endpointslice-reader`,
          ]
        : []),
      ...scenario.clients.map(
        (client) =>
          `client ${client.name}: Job client-${client.name}, ${client.kind} ${client.target}`,
      ),
      `look around: kubectl --context ${cluster.context} -n ${namespace} get pods,endpointslices -o wide`,
    ];
  }

  teardown(): Promise<void> {
    this.tornDown ??= (async () => {
      const { runner, keep } = this.parts;
      runner.note('the log streams and the pod watch first: no kubectl is left following a pod');
      await Promise.all(this.streams.map((stream) => stream.stop()));
      await this.observer?.stop();
      // Whatever else still runs (a rollout status when Ctrl-C came) stops too.
      await runner.stopAll();
      if (keep) {
        runner.note(
          `--keep: namespace ${this.namespace} stays, clients included; ${
            this.name === 'kind'
              ? 'pnpm lab down removes the cluster'
              : `pnpm lab down --runtime cluster --context ${this.parts.cluster.context}${this.namespace === 'grpc-lb' ? '' : ` --namespace ${this.namespace}`} removes it`
          }`,
        );
        return;
      }
      if (this.namespaceTouched) await runner.run(this.deleteNamespace());
    })();
    return this.tornDown;
  }

  private podObserver(): PodObserver {
    if (!this.observer) throw new Error('the kind runtime has not deployed yet');
    return this.observer;
  }

  private deleteNamespace(): string[] {
    const { cluster } = this.parts;
    return [
      'kubectl',
      '--context',
      cluster.context,
      'delete',
      'namespace',
      this.namespace,
      '--ignore-not-found',
      '--wait',
      `--timeout=${KUBECTL_TIMEOUT}`,
    ];
  }

  private rolloutStatus(): string[] {
    return this.kubectl(
      'rollout',
      'status',
      `deployment/${this.parts.scenario.server.name}`,
      `--timeout=${KUBECTL_TIMEOUT}`,
    );
  }

  /** kubectl with the cluster's own context and the scenario's namespace, always. */
  private kubectl(...args: string[]): string[] {
    return ['kubectl', '--context', this.parts.cluster.context, '-n', this.namespace, ...args];
  }
}

/** A path from the repository root with forward slashes, as the plan and kustomize want it. */
export function fromRoot(root: string, path: string): string {
  return relative(root, path).split(sep).join('/');
}

/** The cluster of k8s/kind/cluster.yaml. */
export function kindClusterOf(root: string, configPath: string): KindCluster {
  const config = readKindCluster(configPath);
  return new KindCluster({ name: config.name, config: fromRoot(root, config.path) });
}

/** The server pods' selector: what k8s/base's Deployment labels its pods with. */
export function serverPodSelector(scenario: Scenario): string {
  return `app.kubernetes.io/name=${scenario.server.name}`;
}

export interface KindRuntimeOptions {
  /** The repository root: commands run there. */
  root: string;
  /** k8s/kind/cluster.yaml. */
  clusterConfig: string;
  keep: boolean;
}

/**
 * The user's kubeconfig (KUBECONFIG or ~/.kube/config), on the named context
 * only; `hint` tells a person where that context should have come from.
 */
export function kubeConfigForContext(context: string, hint: string): KubeConfig {
  const config = new KubeConfig();
  config.loadFromDefault();
  if (!config.getContextObject(context)) throw new Error(`no kubeconfig context ${context}${hint}`);
  config.setCurrentContext(context);
  return config;
}

/** What a real run is given beyond the scenario: where it runs and what it deploys. */
export type RealRunParts = Pick<KindRuntimeParts, 'cluster' | 'images' | 'keep' | 'nodeZones'> & {
  root: string;
  namespace: string;
  /** The kubeconfig for the cluster's context, read once the cluster exists. */
  kubeConfig: () => KubeConfig;
};

/**
 * A KindRuntime that runs for real, on kind or on an existing cluster: its
 * commands through zx (each shows in the narration and the report as it
 * runs), its server pods watched through the Kubernetes API.
 */
export function createRealRuntime(loaded: LoadedScenario, parts: RealRunParts): KindRuntime {
  const { scenario } = loaded;
  const { root, kubeConfig, ...rest } = parts;
  let runtime: KindRuntime | undefined;
  const runner = new ZxRunner({ cwd: root, onCommand: (line) => runtime?.commandRan(line) });
  runtime = new KindRuntime({
    ...rest,
    scenario,
    scenarioDir: fromRoot(root, loaded.dir),
    runner,
    observer: () =>
      new KubePodWatch(kubeConfig(), {
        namespace: parts.namespace,
        labelSelector: serverPodSelector(scenario),
      }),
  });
  return runtime;
}

/** A kind runtime that runs for real. */
export function createKindRuntime(
  loaded: LoadedScenario,
  options: KindRuntimeOptions,
): KindRuntime {
  const cluster = kindClusterOf(options.root, options.clusterConfig);
  return createRealRuntime(loaded, {
    root: options.root,
    cluster,
    namespace: loaded.scenario.namespace,
    images: appsFor(loaded.scenario).map((app) => appImage(options.root, app)),
    keep: options.keep,
    kubeConfig: () =>
      kubeConfigForContext(
        cluster.context,
        ': kind writes it when it creates the cluster; is KUBECONFIG pointing elsewhere?',
      ),
  });
}
