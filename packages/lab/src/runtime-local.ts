import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalCluster, appMain, type Running, startNode, waitFor } from '@lab/local-cluster';
import { parseWindowLine } from '@lab/stats';
import type { PodRecord } from './engine-types.js';
import type { Runtime, RuntimeOptions, RuntimeSink } from './runtime.js';
import type { Scenario, ScenarioClient } from './scenario-schema.js';
import { KubeScaler } from './kube-scale.js';
import { LocalBalancer } from './local-balancer.js';
import { type ClusterNames, mapTarget } from './target-mapping.js';

/**
 * Windows half a second long: fine enough to time convergence, few enough
 * lines. --speed shortens them too (down to 100 ms), since a window's end is
 * the bound on when a new pod was first reached, and the bounds shrink.
 */
const CLIENT_WINDOW_MS = 500;
const MIN_CLIENT_WINDOW_MS = 100;
const CLIENT_START_TIMEOUT_MS = 15_000;

/**
 * The embedded runtime: a LocalCluster of real processes on loopback
 * addresses, and the clients as real processes reading its DNS and Services.
 */
export class LocalRuntime implements Runtime {
  readonly name = 'local';
  private readonly cluster: LocalCluster;
  private readonly clients: Running[] = [];
  private tornDown: Promise<void> | undefined;
  private sink: RuntimeSink | undefined;
  private scaler: KubeScaler | undefined;
  /** The lookaside balancer or xDS control plane, when the scenario has one. */
  private lookaside: LocalBalancer | undefined;
  /** Holds this run's kubeconfig, for the clients (KUBECONFIG) and nothing else. */
  private readonly workDir: string;
  readonly kubeconfigPath: string;

  constructor(
    private readonly scenario: Scenario,
    private readonly options: RuntimeOptions,
  ) {
    this.workDir = mkdtempSync(join(tmpdir(), 'grpc-lb-lab-'));
    this.kubeconfigPath = join(this.workDir, 'kubeconfig');
    this.cluster = new LocalCluster({
      namespace: scenario.namespace,
      dnsTtlSeconds: Math.max(1, Math.round(scenario.dns.ttl / options.speed / 1000)),
      kubeconfigPath: this.kubeconfigPath,
      onEvent: (event) => this.sink?.event(event),
    });
  }

  /** The local cluster's nodes take turns over two zones, as its Node objects say. */
  nodeZones(): Record<string, string> {
    return this.cluster.nodeZones();
  }

  /** The cluster's Kubernetes API, as a kubeconfig a person or kubectl can use. */
  kubeconfig(): string {
    return this.cluster.kubeconfig();
  }

  async deploy(sink: RuntimeSink): Promise<void> {
    this.sink = sink;
    const { server, service } = this.scenario;
    await this.cluster.start();
    await this.cluster.createDeployment({
      name: server.name,
      replicas: server.replicas,
      args: this.serverArgs(),
      terminationGracePeriodMs: server.terminationGracePeriod,
    });
    await this.cluster.createService({
      name: service.name,
      kind: service.kind,
      deployment: server.name,
    });
    if (this.scenario.balancer) {
      this.lookaside = new LocalBalancer({
        ...this.scenario.balancer,
        ip: this.cluster.allocateServiceIp(),
        namespace: this.scenario.namespace,
        service: this.scenario.service.name,
        kubeconfigPath: this.kubeconfigPath,
      });
      await this.balancer('start');
    }
    const serving = new Set<string>();
    const lastErrors = new Map<string, string>();
    const counting: RuntimeSink = {
      window: (line) => {
        if (line.ok > 0) serving.add(line.client);
        else if (Object.keys(line.errors).length > 0)
          lastErrors.set(line.client, JSON.stringify(line.errors));
        sink.window(line);
      },
      event: (event) => sink.event(event),
    };
    for (const client of this.scenario.clients) this.startClient(client, counting);
    // Like waiting for client pods to be Ready: the first phase begins once
    // every client has had an answer, so the calls a client queued while it
    // was still resolving (a kubernetes: list, a first DNS lookup) land before it.
    try {
      await waitFor(
        () => serving.size === this.scenario.clients.length,
        'every client to make a successful call',
        CLIENT_START_TIMEOUT_MS,
      );
    } catch (error) {
      const silent = this.scenario.clients
        .filter((client) => !serving.has(client.name))
        .map((client) => `${client.name} (errors: ${lastErrors.get(client.name) ?? 'none yet'})`);
      throw new Error(`${(error as Error).message}; no successful call from ${silent.join(', ')}`);
    }
  }

  /** Clients that use the balancer: grpclb-policy clients, or xds: targets. */
  private lookasideClients(): number {
    return this.scenario.clients.filter(
      (client) => client.lb === 'grpclb' || client.target.startsWith('xds:'),
    ).length;
  }

  get hasBalancer(): boolean {
    return this.scenario.balancer !== undefined;
  }

  /** Stops (SIGTERM) or starts again the balancer, on the same address. */
  async balancer(to: 'stop' | 'start'): Promise<void> {
    const lookaside = this.lookaside;
    if (!lookaside) throw new Error('this scenario runs no balancer');
    const note = (detail: string) => this.sink?.event({ at: Date.now(), kind: 'note', detail });
    if (to === 'stop') {
      await lookaside.stop();
      note('balancer stopped');
      return;
    }
    await lookaside.start();
    note(`balancer listening on ${lookaside.address}`);
    // As a scale step waits for Ready pods: back once its clients are back.
    if (this.clients.length > 0) {
      const clients = this.lookasideClients();
      await lookaside.waitForStreams(clients);
      note(`balancer: its ${clients === 1 ? 'client has' : `${clients} clients have`} reconnected`);
    }
  }

  /** Through the Kubernetes API, as on a real cluster; then waits as `kubectl rollout status`. */
  async scale(replicas: number): Promise<void> {
    this.scaler ??= new KubeScaler(this.cluster.kubeconfig());
    const { namespace, server } = this.scenario;
    await this.scaler.scale(namespace, server.name, replicas);
    await this.cluster.whenSettled(server.name);
  }

  rolloutRestart(): Promise<void> {
    return this.cluster.rolloutRestart(this.scenario.server.name);
  }

  async killPod(pod: string, graceMs: number | undefined): Promise<string> {
    const live = this.cluster
      .pods()
      .filter((p) => p.terminatingAt === undefined && p.exitedAt === undefined)
      .sort((a, b) => a.createdAt - b.createdAt);
    const chosen =
      pod === 'oldest'
        ? live[0]
        : pod === 'newest'
          ? live.at(-1)
          : live.find((p) => p.name === pod);
    if (!chosen) throw new Error(`kill-pod: no running pod matches '${pod}'`);
    await this.cluster.deletePod(chosen.name, graceMs);
    return chosen.name;
  }

  pods(): PodRecord[] {
    return this.cluster.pods();
  }

  describe(): string[] {
    const { service } = this.scenario;
    const names = this.names();
    const how =
      service.kind === 'headless'
        ? `A records in the cluster DNS at ${names.dnsServer}, one per Ready pod`
        : `an L4 proxy on ${names.clusterIp} (ports 50051, 8080)${service.kind === 'nodeport' ? ' and 127.0.0.1:30051/30080' : ''}, a random Ready pod per connection`;
    return [
      `local runtime: pods are addr-server processes on ${this.cluster.podNetwork}; ${service.kind} Service ${names.fqdn} is ${how}`,
      `Kubernetes API: ${this.cluster.kubeApiUrl} (Services, Pods, Endpoints, EndpointSlices, Deployments and their scale)`,
      ...this.scenario.clients.map(
        (c) => `client ${c.name}: ${c.kind} ${c.target} → ${mapTarget(c, names)}`,
      ),
      ...(this.lookaside ? [this.lookaside.describe()] : []),
    ];
  }

  teardown(): Promise<void> {
    this.tornDown ??= (async () => {
      await Promise.all(this.clients.map((client) => client.stop(3000)));
      await this.lookaside?.stop(3000);
      await this.cluster.stop();
      rmSync(this.workDir, { recursive: true, force: true });
    })();
    return this.tornDown;
  }

  private names(): ClusterNames {
    const { service, namespace } = this.scenario;
    return {
      namespace,
      service: service.name,
      fqdn: this.cluster.fqdn(service.name),
      dnsServer: this.cluster.dnsServer,
      clusterIp: service.kind === 'headless' ? undefined : this.cluster.clusterIp(service.name),
    };
  }

  private serverArgs(): string[] {
    const { server } = this.scenario;
    const scaled = (ms: number) => `${Math.max(1, Math.round(ms / this.options.speed))}`;
    return [
      ...(server.maxConnectionAge === undefined
        ? []
        : ['--max-connection-age-ms', scaled(server.maxConnectionAge)]),
      ...(server.maxConnectionAgeGrace === undefined
        ? []
        : ['--max-connection-age-grace-ms', scaled(server.maxConnectionAgeGrace)]),
      ...server.args,
    ];
  }

  private startClient(client: ScenarioClient, sink: RuntimeSink): void {
    const target = mapTarget(client, this.names());
    const common = [
      '--target',
      target,
      '--name',
      client.name,
      '--rps',
      `${client.rps}`,
      '--window',
      `${this.options.windowMs ?? Math.max(MIN_CLIENT_WINDOW_MS, Math.round(CLIENT_WINDOW_MS / this.options.speed))}ms`,
    ];
    const scaled = (ms: number) => `${Math.max(1, Math.round(ms / this.options.speed))}ms`;
    const args =
      client.kind === 'grpc'
        ? [
            ...common,
            ...(client.lb ? ['--lb', client.lb] : []),
            ...(client.lb === 'grpclb'
              ? [
                  ...['--grpclb-balancer', this.lookaside?.address ?? ''],
                  ...[
                    '--grpclb-service',
                    `${this.scenario.service.name}.${this.scenario.namespace}:grpc`,
                  ],
                ]
              : []),
            ...(client.dnsMinResolution === undefined
              ? []
              : [
                  '--dns-min-resolution-ms',
                  `${Math.round(client.dnsMinResolution / this.options.speed)}`,
                ]),
            ...(client.mode ? ['--mode', client.mode] : []),
            ...(client.resolveInterval === undefined
              ? []
              : ['--resolve-interval', scaled(client.resolveInterval)]),
          ]
        : [...common, ...(client.keepalive ? ['--keepalive', client.keepalive] : [])];
    const running = startNode(
      client.kind === 'grpc' ? appMain.clientGrpc : appMain.clientHttp,
      [...args, ...client.args],
      {
        // What a pod's in-cluster config gives it: the way to the API (kubernetes: targets),
        // and for xds: targets the bootstrap its manifest mounts.
        env: {
          KUBECONFIG: this.kubeconfigPath,
          // Clients run beside the local cluster, on no node of it; a NODE_NAME
          // from the caller's shell must not place them on one.
          NODE_NAME: '',
          ...(client.target.startsWith('xds:')
            ? { GRPC_XDS_BOOTSTRAP: this.lookaside?.writeXdsBootstrap(this.workDir, client.name) }
            : {}),
        },
        timeoutMs: Number.POSITIVE_INFINITY,
        onStdoutLine: (text) => {
          const parsed = parseWindowLine(text);
          if (parsed.ok) sink.window(parsed.line);
          else
            sink.event({ at: Date.now(), kind: 'note', detail: `client ${client.name}: ${text}` });
        },
      },
    );
    void running.finished.then((done) => {
      if (this.tornDown) return;
      sink.event({
        at: Date.now(),
        kind: 'note',
        detail: `client ${client.name} exited early (code ${done.code}): ${done.stderr.trim()}`,
      });
    });
    this.clients.push(running);
  }
}
