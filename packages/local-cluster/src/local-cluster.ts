import { setTimeout as sleep } from 'node:timers/promises';
import { isDeepStrictEqual } from 'node:util';
import { ClusterDns } from './cluster-dns.js';
import { IpAllocator } from './ip-allocator.js';
import {
  deploymentObject,
  type EndpointAddress,
  endpointsObject,
  LAB_MANAGED_BY_LABEL,
  LAB_MANAGER,
  namespaceObject,
  nodeObject,
  podObject,
  type ServicePortSpec,
  serviceObject,
} from './kube-api/cluster-objects.js';
import { endpointSlicesFor, SERVICE_NAME_LABEL } from './kube-api/endpoint-slices.js';
import { KubeApiServer } from './kube-api/kube-api-server.js';
import { kubeTime, type StoreEvent } from './kube-api/kube-object.js';
import { KubeStore } from './kube-api/kube-store.js';
import { Pod, type PodRecord } from './pod.js';
import { podName, templateHash } from './pod-names.js';
import { ServiceProxy } from './service-proxy.js';

/** Container ports, the same in every pod since every pod has its own address. */
export const POD_PORTS = { grpc: 50051, http: 8080 } as const;
/** NodePorts on 127.0.0.1, as the seed setup's kind port mappings. */
export const NODE_PORTS = { grpc: 30051, http: 30080 } as const;
/** The Services' ports, named and with the appProtocol the base manifests give them. */
const SERVICE_PORTS: readonly ServicePortSpec[] = [
  { name: 'grpc', port: POD_PORTS.grpc, appProtocol: 'kubernetes.io/h2c' },
  { name: 'http', port: POD_PORTS.http, appProtocol: 'http' },
];
/** The API server's usual port; any free one if it is taken. */
const KUBE_API_PORT = 6443;

export type ServiceKind = 'clusterip' | 'headless' | 'nodeport';

export interface DeploymentSpec {
  name: string;
  replicas: number;
  /** Extra addr-server flags. */
  args: readonly string[];
  terminationGracePeriodMs: number;
}

export interface ServiceSpec {
  name: string;
  kind: ServiceKind;
  /** The Deployment whose pods back it. */
  deployment: string;
}

export type ClusterEventKind =
  | 'pod-created'
  | 'pod-ready'
  | 'pod-not-ready'
  | 'pod-terminating'
  | 'pod-exited';

export interface ClusterEvent {
  at: number;
  kind: ClusterEventKind;
  pod: string;
  detail: string;
}

export interface LocalClusterOptions {
  namespace?: string;
  /**
   * Which pair of /16 blocks of 127.0.0.0/8 this cluster uses (0 to 49):
   * pods on 127.(100+2b).x.y, Services and DNS on 127.(101+2b).x.y. Random by
   * default, so two runs on one machine, or a run and the leftovers of a
   * crashed one, never fight over an address.
   */
  block?: number;
  dnsTtlSeconds?: number;
  nodes?: readonly string[];
  /**
   * Each node's zone (its `topology.kubernetes.io/zone` label), so topology
   * reports have zones to group by locally too. Default: the nodes take
   * turns over `zone-a` and `zone-b`, as a two-zone cluster spreads them.
   */
  nodeZones?: Readonly<Record<string, string>>;
  /** Longest wait for pods to turn Ready before a step fails. */
  readyTimeoutMs?: number;
  onEvent?: (event: ClusterEvent) => void;
  /** Where start() writes a kubeconfig for the cluster's Kubernetes API (context namespace: the cluster's). */
  kubeconfigPath?: string;
}

interface Deployment {
  spec: DeploymentSpec;
  hash: string;
  pods: Pod[];
  /** The latest replica count asked for, through scale() or the API. */
  requested: number;
  /** The latest scale's work: resolves once it has finished, rejects if it failed. */
  settled: Promise<void>;
  restartedAt?: string;
}

interface Service {
  spec: ServiceSpec;
  /** Unset for headless Services. */
  clusterIp?: string;
  proxies: ServiceProxy[];
}

/**
 * The embedded local cluster: Deployments of real addr-server processes on
 * their own loopback addresses, Services as an L4 proxy or DNS records, and
 * endpoint updates in the order Kubernetes makes them. Its state is also
 * served as Kubernetes objects by a Kubernetes-compatible API, through which
 * a Deployment can be scaled as on a real cluster.
 */
export class LocalCluster {
  readonly namespace: string;
  /** The cluster's Kubernetes objects, as the API serves them. */
  readonly store = new KubeStore();
  private api: KubeApiServer;
  private readonly dns: ClusterDns;
  private dnsEndpoint: { address: string; port: number } | undefined;
  private readonly podIps: IpAllocator;
  private readonly serviceIps: IpAllocator;
  private readonly nodes: readonly string[];
  private readonly deployments = new Map<string, Deployment>();
  private readonly services = new Map<string, Service>();
  private readonly allPods: Pod[] = [];
  /** The template hash each pod was created from. */
  private readonly podHashes = new WeakMap<Pod, string>();
  /** The grace period each terminating pod was given. */
  private readonly podGrace = new WeakMap<Pod, number>();
  private readonly apiHost: string;
  private nextNode = 0;

  constructor(private readonly options: LocalClusterOptions = {}) {
    this.namespace = options.namespace ?? 'grpc-lb';
    this.nodes = options.nodes ?? ['node-1', 'node-2'];
    const block = options.block ?? Math.floor(Math.random() * 50);
    if (!Number.isInteger(block) || block < 0 || block > 49)
      throw new Error(`block ${block} is not in 0-49`);
    this.podIps = new IpAllocator(`127.${100 + 2 * block}`);
    // Service IPs start at .0.1; the DNS server sits apart at .255.10.
    this.serviceIps = new IpAllocator(`127.${101 + 2 * block}`);
    this.dns = new ClusterDns({
      address: `127.${101 + 2 * block}.255.10`,
      port: 0,
      ttlSeconds: options.dnsTtlSeconds ?? 30,
    });
    // The API sits apart from Service IPs and DNS, at .255.1.
    this.apiHost = `127.${101 + 2 * block}.255.1`;
    this.api = new KubeApiServer({
      store: this.store,
      host: this.apiHost,
      port: KUBE_API_PORT,
      // The cluster keeps writing its objects there while it runs.
      protectedNamespaces: [this.namespace],
    });
    // Acting on Deployment changes made through the API, as the deployment
    // controller does.
    this.store.subscribe({ onEvent: (event) => this.onStoreEvent(event) });
  }

  async start(): Promise<void> {
    try {
      this.dnsEndpoint = await this.dns.start();
      await this.startApi();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EADDRNOTAVAIL') {
        throw new Error(
          'the local runtime binds addresses across 127.0.0.0/8, and this machine only has 127.0.0.1 ' +
            '(Linux routes the whole range to loopback; on macOS add aliases: ' +
            'sudo ifconfig lo0 alias 127.<n>.<n>.<n> for each address, see README)',
        );
      }
      throw error;
    }
    this.store.put(namespaceObject(this.namespace, { [LAB_MANAGED_BY_LABEL]: LAB_MANAGER }));
    for (const [node, zone] of Object.entries(this.nodeZones())) {
      this.store.put(nodeObject(node, zone));
    }
    if (this.options.kubeconfigPath) {
      await this.api.writeKubeconfig(this.options.kubeconfigPath, this.namespace);
    }
  }

  /** Each node's zone, as its Node object's `topology.kubernetes.io/zone` label says. */
  nodeZones(): Record<string, string> {
    const zones = ['zone-a', 'zone-b'];
    return Object.fromEntries(
      this.nodes.map((node, index) => [
        node,
        this.options.nodeZones?.[node] ?? zones[index % zones.length] ?? 'zone-a',
      ]),
    );
  }

  /** The Kubernetes API's URL, `http://127.n.255.1:6443`. */
  get kubeApiUrl(): string {
    return this.api.url;
  }

  /** A kubeconfig for the cluster's Kubernetes API, its context in the cluster's namespace. */
  kubeconfig(): string {
    return this.api.kubeconfig(this.namespace);
  }

  /**
   * Resolves once the latest requested scale of a Deployment (through
   * scale() or the API) has finished: new pods Ready, removed pods out of
   * the endpoints. Rejects if it failed.
   */
  async whenSettled(deployment: string): Promise<void> {
    await this.deployment(deployment).settled;
  }

  /**
   * A fresh address in the cluster's Service range, for a program the
   * runtime runs beside the pods (a lookaside balancer, say).
   */
  allocateServiceIp(): string {
    return this.serviceIps.allocate();
  }

  /** `address:port` of the cluster DNS server. */
  get dnsServer(): string {
    if (!this.dnsEndpoint) throw new Error('the cluster is not started');
    return `${this.dnsEndpoint.address}:${this.dnsEndpoint.port}`;
  }

  /** The pods' addresses, as `127.n.x.y`. */
  get podNetwork(): string {
    return `${this.podIps.prefix}.x.y`;
  }

  fqdn(service: string): string {
    return `${service}.${this.namespace}.svc.cluster.local`;
  }

  /** The ClusterIP of a clusterip or nodeport Service. */
  clusterIp(service: string): string {
    const ip = this.services.get(service)?.clusterIp;
    if (!ip) throw new Error(`service ${service} has no cluster IP (headless or missing)`);
    return ip;
  }

  pods(): PodRecord[] {
    return this.allPods.map((pod) => ({ ...pod.record }));
  }

  /** Pods of a Deployment that are Ready and not terminating: its endpoints. */
  endpoints(deployment: string): string[] {
    return this.deployment(deployment)
      .pods.filter((pod) => pod.isReady && !pod.isTerminating)
      .map((pod) => pod.name);
  }

  async createDeployment(spec: DeploymentSpec): Promise<void> {
    if (this.deployments.has(spec.name)) throw new Error(`deployment ${spec.name} exists`);
    this.deployments.set(spec.name, {
      spec: { ...spec, replicas: 0 },
      hash: templateHash(),
      pods: [],
      requested: spec.replicas,
      settled: Promise.resolve(),
    });
    await this.scale(spec.name, spec.replicas);
  }

  async createService(spec: ServiceSpec): Promise<void> {
    const service: Service = { spec, proxies: [] };
    if (spec.kind !== 'headless') {
      const ip = this.serviceIps.allocate();
      service.clusterIp = ip;
      for (const [portName, port] of Object.entries(POD_PORTS)) {
        const listen: { address: string; port: number }[] = [{ address: ip, port }];
        if (spec.kind === 'nodeport') {
          listen.push({
            address: '127.0.0.1',
            port: NODE_PORTS[portName as keyof typeof NODE_PORTS],
          });
        }
        const proxy = new ServiceProxy({
          name: `${spec.name}/${portName}`,
          listen,
          targetPort: port,
        });
        await proxy.start();
        service.proxies.push(proxy);
      }
    }
    this.services.set(spec.name, service);
    this.store.put(
      serviceObject({
        namespace: this.namespace,
        name: spec.name,
        deployment: spec.deployment,
        type: spec.kind === 'nodeport' ? 'NodePort' : 'ClusterIP',
        clusterIP: service.clusterIp ?? 'None',
        ports: SERVICE_PORTS.map((p) => ({
          ...p,
          ...(spec.kind === 'nodeport'
            ? { nodePort: NODE_PORTS[p.name as keyof typeof NODE_PORTS] }
            : {}),
        })),
      }),
    );
    this.syncEndpoints(spec.deployment);
  }

  /**
   * Scale-up returns once the new pods are Ready; scale-down once the removed
   * pods are out of the endpoints (they go on terminating in the background,
   * newest first, as the ReplicaSet controller picks them). Scales of one
   * Deployment run one after another; one superseded while it waits is skipped.
   */
  scale(name: string, replicas: number): Promise<void> {
    const deployment = this.deployment(name);
    deployment.requested = replicas;
    this.syncDeployment(deployment);
    const run = deployment.settled
      .catch(() => undefined)
      .then(() =>
        deployment.requested === replicas ? this.applyScale(deployment, replicas) : undefined,
      );
    deployment.settled = run;
    // A scale asked for through the API has no caller; whenSettled() reports its failure.
    run.catch(() => undefined);
    return run;
  }

  private async applyScale(deployment: Deployment, replicas: number): Promise<void> {
    deployment.spec.replicas = replicas;
    const live = () => deployment.pods.filter((pod) => !pod.isTerminating);
    const created: Pod[] = [];
    while (live().length < replicas) created.push(this.createPod(deployment));
    const surplus = live().length - replicas;
    if (surplus > 0) {
      const victims = [...live()]
        .sort(
          (a, b) =>
            Number(a.isReady) - Number(b.isReady) || b.record.createdAt - a.record.createdAt,
        )
        .slice(0, surplus);
      for (const pod of victims)
        this.terminatePod(deployment, pod, deployment.spec.terminationGracePeriodMs);
    }
    await this.waitReady(created);
  }

  /** Replaces every pod one at a time: a new pod, Ready, then an old one terminates. */
  async rolloutRestart(name: string): Promise<void> {
    const deployment = this.deployment(name);
    deployment.hash = templateHash();
    deployment.restartedAt = kubeTime();
    this.syncDeployment(deployment);
    const old = deployment.pods.filter((pod) => !pod.isTerminating);
    for (const pod of old) {
      await this.waitReady([this.createPod(deployment)]);
      this.terminatePod(deployment, pod, deployment.spec.terminationGracePeriodMs);
    }
  }

  /**
   * Deletes one pod, as `kubectl delete pod` with `--grace-period`: out of
   * the endpoints, then SIGTERM, then SIGKILL after the grace period (0:
   * SIGKILL at once). The Deployment creates a replacement, as its
   * ReplicaSet would. Resolves once the pod has exited.
   */
  async deletePod(podName: string, graceMs?: number): Promise<void> {
    for (const deployment of this.deployments.values()) {
      const pod = deployment.pods.find((p) => p.name === podName && !p.isTerminating);
      if (!pod) continue;
      const exited = this.terminatePod(
        deployment,
        pod,
        graceMs ?? deployment.spec.terminationGracePeriodMs,
      );
      const replacement = this.createPod(deployment);
      await exited;
      await this.waitReady([replacement]);
      return;
    }
    throw new Error(`no running pod named ${podName}`);
  }

  /** Stops everything: pods get a short grace, then SIGKILL; proxies, the API and DNS close. */
  async stop(graceMs = 2000): Promise<void> {
    await Promise.all(
      this.allPods.filter((pod) => !pod.hasExited).map((pod) => pod.terminate(graceMs)),
    );
    for (const service of this.services.values()) {
      await Promise.all(service.proxies.map((proxy) => proxy.stop()));
    }
    await this.api.stop();
    await this.dns.stop();
  }

  private async startApi(): Promise<void> {
    try {
      await this.api.start();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
      // Another cluster on the same block has 6443: any free port will do.
      this.api = new KubeApiServer({ store: this.store, host: this.apiHost, port: 0 });
      await this.api.start();
    }
  }

  /** A change of spec.replicas made through the API: scale, as the deployment controller would. */
  private onStoreEvent(event: StoreEvent): void {
    const { object } = event;
    if (event.type !== 'MODIFIED' || object.kind !== 'Deployment') return;
    if (object.apiVersion !== 'apps/v1' || object.metadata.namespace !== this.namespace) return;
    const deployment = this.deployments.get(object.metadata.name);
    const replicas = (object.spec as { replicas?: number } | undefined)?.replicas;
    if (!deployment || replicas === undefined || replicas === deployment.requested) return;
    void this.scale(object.metadata.name, replicas);
  }

  private deployment(name: string): Deployment {
    const deployment = this.deployments.get(name);
    if (!deployment) throw new Error(`no deployment named ${name}`);
    return deployment;
  }

  private emit(kind: ClusterEventKind, pod: Pod, detail: string): void {
    this.options.onEvent?.({ at: Date.now(), kind, pod: pod.name, detail });
  }

  private createPod(deployment: Deployment): Pod {
    const node = this.nodes[this.nextNode++ % this.nodes.length] ?? 'node-1';
    const pod = new Pod(
      {
        name: podName(deployment.spec.name, deployment.hash),
        ip: this.podIps.allocate(),
        node,
        grpcPort: POD_PORTS.grpc,
        httpPort: POD_PORTS.http,
        args: deployment.spec.args,
      },
      {
        onReady: (p) => {
          this.emit('pod-ready', p, `${p.name} Ready (${p.ip})`);
          this.syncPod(deployment, p);
          this.syncEndpoints(deployment.spec.name);
          this.syncDeployment(deployment);
        },
        onNotReady: (p) => {
          this.emit('pod-not-ready', p, `${p.name} not Ready`);
          if (!p.hasExited) this.syncPod(deployment, p);
          this.syncEndpoints(deployment.spec.name);
          this.syncDeployment(deployment);
        },
        onExit: (p, finished) => {
          const how = finished.signal ? `signal ${finished.signal}` : `code ${finished.code}`;
          this.emit('pod-exited', p, `${p.name} exited (${how})`);
          deployment.pods = deployment.pods.filter((other) => other !== p);
          this.store.remove('v1', 'Pod', this.namespace, p.name);
          this.syncEndpoints(deployment.spec.name);
          this.syncDeployment(deployment);
        },
      },
    );
    deployment.pods.push(pod);
    this.allPods.push(pod);
    this.podHashes.set(pod, deployment.hash);
    this.emit('pod-created', pod, `${pod.name} created on ${node} (${pod.ip})`);
    this.syncPod(deployment, pod);
    this.syncEndpoints(deployment.spec.name);
    this.syncDeployment(deployment);
    return pod;
  }

  private terminatePod(deployment: Deployment, pod: Pod, graceMs: number): Promise<unknown> {
    pod.record.terminatingAt = Date.now();
    this.podGrace.set(pod, graceMs);
    this.syncPod(deployment, pod);
    // Endpoints first, then the signal: the order Kubernetes aims for.
    this.syncEndpoints(deployment.spec.name);
    this.syncDeployment(deployment);
    this.emit('pod-terminating', pod, `${pod.name} terminating (grace ${graceMs} ms)`);
    return pod.terminate(graceMs);
  }

  private syncEndpoints(deploymentName: string): void {
    const deployment = this.deployments.get(deploymentName);
    if (!deployment) return;
    const ips = deployment.pods
      .filter((pod) => pod.isReady && !pod.isTerminating)
      .map((pod) => pod.ip);
    for (const service of this.services.values()) {
      if (service.spec.deployment !== deploymentName) continue;
      const fqdn = this.fqdn(service.spec.name);
      if (service.clusterIp) {
        this.dns.setRecords(fqdn, [service.clusterIp]);
        for (const proxy of service.proxies) proxy.setEndpoints(ips);
      } else if (ips.length > 0) {
        this.dns.setRecords(fqdn, ips);
      } else {
        // CoreDNS answers NXDOMAIN for a headless Service with no endpoints.
        this.dns.deleteRecords(fqdn);
      }
      this.syncServiceEndpoints(service.spec.name, deployment);
    }
  }

  /**
   * The Service's Endpoints and EndpointSlices. A terminating pod stays in
   * its slice, not ready, serving while its probe still passes, until it
   * exits, as the EndpointSlice controller does since Kubernetes 1.26.
   */
  private syncServiceEndpoints(serviceName: string, deployment: Deployment): void {
    const pods = deployment.pods.filter((pod) => !pod.hasExited);
    const addresses: EndpointAddress[] = pods
      .filter((pod) => !pod.isTerminating)
      .map((pod) => ({
        ip: pod.ip,
        nodeName: pod.record.node,
        podName: pod.name,
        ready: pod.isReady,
      }));
    this.store.put(endpointsObject(this.namespace, serviceName, [...SERVICE_PORTS], addresses));
    const slices = endpointSlicesFor(
      { name: serviceName, namespace: this.namespace, ports: [...SERVICE_PORTS] },
      pods.map((pod) => ({
        ip: pod.ip,
        ready: pod.isReady && !pod.isTerminating,
        serving: pod.isReady,
        terminating: pod.isTerminating,
        nodeName: pod.record.node,
        podName: pod.name,
      })),
    );
    // In order, so an endpoint that moves to an earlier slice is added there
    // before it leaves the later one, and never missing in between.
    for (const slice of slices) this.store.put(slice);
    const names = new Set(slices.map((slice) => slice.metadata.name));
    for (const stale of this.store.list('discovery.k8s.io/v1', 'EndpointSlice', this.namespace)) {
      if (stale.metadata.labels?.[SERVICE_NAME_LABEL] !== serviceName) continue;
      if (!names.has(stale.metadata.name)) {
        this.store.remove(
          'discovery.k8s.io/v1',
          'EndpointSlice',
          this.namespace,
          stale.metadata.name,
        );
      }
    }
  }

  private syncPod(deployment: Deployment, pod: Pod): void {
    this.store.put(
      podObject({
        namespace: this.namespace,
        name: pod.name,
        deployment: deployment.spec.name,
        hash: this.podHashes.get(pod) ?? deployment.hash,
        ip: pod.ip,
        node: pod.record.node,
        args: pod.spec.args,
        ports: POD_PORTS,
        terminationGracePeriodMs: deployment.spec.terminationGracePeriodMs,
        createdAt: pod.record.createdAt,
        readyAt: pod.record.readyAt,
        ready: pod.isReady,
        terminatingAt: pod.record.terminatingAt,
        graceMs: this.podGrace.get(pod),
      }),
    );
  }

  /** The Deployment object: spec.replicas as last requested, status from its pods. */
  private syncDeployment(deployment: Deployment): void {
    const { name } = deployment.spec;
    const state = {
      namespace: this.namespace,
      name,
      replicas: deployment.requested,
      args: deployment.spec.args,
      ports: POD_PORTS,
      terminationGracePeriodMs: deployment.spec.terminationGracePeriodMs,
      ...(deployment.restartedAt ? { restartedAt: deployment.restartedAt } : {}),
      pods: deployment.pods
        .filter((pod) => !pod.hasExited)
        .map((pod) => ({
          hash: this.podHashes.get(pod) ?? deployment.hash,
          ready: pod.isReady,
          terminating: pod.isTerminating,
        })),
      currentHash: deployment.hash,
    };
    const stored = this.store.get('apps/v1', 'Deployment', this.namespace, name);
    const draft = deploymentObject({ ...state, generation: 1 });
    // The controller observes a new generation at once: the store bumps it
    // when the spec changes, and the status says it was seen.
    const generation = stored
      ? (stored.metadata.generation ?? 1) + (isDeepStrictEqual(stored.spec, draft.spec) ? 0 : 1)
      : 1;
    this.store.put(deploymentObject({ ...state, generation }));
  }

  private async waitReady(pods: Pod[]): Promise<void> {
    const timeoutMs = this.options.readyTimeoutMs ?? 30_000;
    const deadline = Date.now() + timeoutMs;
    while (!pods.every((pod) => pod.isReady)) {
      const dead = pods.find((pod) => pod.hasExited);
      if (dead) throw new Error(`pod ${dead.name} exited before it was Ready:\n${dead.output()}`);
      if (Date.now() > deadline) {
        const slow = pods.filter((pod) => !pod.isReady).map((pod) => pod.name);
        throw new Error(`pods not Ready after ${timeoutMs} ms: ${slow.join(', ')}`);
      }
      await sleep(20);
    }
  }
}
