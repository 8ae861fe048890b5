import { setTimeout as sleep } from 'node:timers/promises';
import { ClusterDns } from './cluster-dns.js';
import { IpAllocator } from './ip-allocator.js';
import { Pod, type PodRecord } from './pod.js';
import { podName, templateHash } from './pod-names.js';
import { ServiceProxy } from './service-proxy.js';

/** Container ports, the same in every pod since every pod has its own address. */
export const POD_PORTS = { grpc: 50051, http: 8080 } as const;
/** NodePorts on 127.0.0.1, as the seed setup's kind port mappings. */
export const NODE_PORTS = { grpc: 30051, http: 30080 } as const;

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
  /** Longest wait for pods to turn Ready before a step fails. */
  readyTimeoutMs?: number;
  onEvent?: (event: ClusterEvent) => void;
}

interface Deployment {
  spec: DeploymentSpec;
  hash: string;
  pods: Pod[];
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
 * endpoint updates in the order Kubernetes makes them.
 */
export class LocalCluster {
  readonly namespace: string;
  private readonly dns: ClusterDns;
  private dnsEndpoint: { address: string; port: number } | undefined;
  private readonly podIps: IpAllocator;
  private readonly serviceIps: IpAllocator;
  private readonly nodes: readonly string[];
  private readonly deployments = new Map<string, Deployment>();
  private readonly services = new Map<string, Service>();
  private readonly allPods: Pod[] = [];
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
  }

  async start(): Promise<void> {
    try {
      this.dnsEndpoint = await this.dns.start();
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
    this.deployments.set(spec.name, { spec: { ...spec }, hash: templateHash(), pods: [] });
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
    this.syncEndpoints(spec.deployment);
  }

  /**
   * Scale-up returns once the new pods are Ready; scale-down once the removed
   * pods are out of the endpoints (they go on terminating in the background,
   * newest first, as the ReplicaSet controller picks them).
   */
  async scale(name: string, replicas: number): Promise<void> {
    const deployment = this.deployment(name);
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

  /** Stops everything: pods get a short grace, then SIGKILL; proxies and DNS close. */
  async stop(graceMs = 2000): Promise<void> {
    await Promise.all(
      this.allPods.filter((pod) => !pod.hasExited).map((pod) => pod.terminate(graceMs)),
    );
    for (const service of this.services.values()) {
      await Promise.all(service.proxies.map((proxy) => proxy.stop()));
    }
    await this.dns.stop();
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
          this.syncEndpoints(deployment.spec.name);
        },
        onNotReady: (p) => {
          this.emit('pod-not-ready', p, `${p.name} not Ready`);
          this.syncEndpoints(deployment.spec.name);
        },
        onExit: (p, finished) => {
          const how = finished.signal ? `signal ${finished.signal}` : `code ${finished.code}`;
          this.emit('pod-exited', p, `${p.name} exited (${how})`);
          deployment.pods = deployment.pods.filter((other) => other !== p);
        },
      },
    );
    deployment.pods.push(pod);
    this.allPods.push(pod);
    this.emit('pod-created', pod, `${pod.name} created on ${node} (${pod.ip})`);
    return pod;
  }

  private terminatePod(deployment: Deployment, pod: Pod, graceMs: number): Promise<unknown> {
    pod.record.terminatingAt = Date.now();
    // Endpoints first, then the signal: the order Kubernetes aims for.
    this.syncEndpoints(deployment.spec.name);
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
    }
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
