/**
 * Test support: a Kubernetes-compatible API (KubeStore + KubeApiServer)
 * whose EndpointSlices the tests write, as the EndpointSlice controller
 * would, and a control plane reading them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { endpointSlicesFor, KubeApiServer, type KubeObject, KubeStore } from '@lab/local-cluster';
import { createXdsServer, type XdsServer, type XdsServerOptions } from '../create-server.js';

export const NAMESPACE = 'grpc-lb';

export interface PodEndpoint {
  name: string;
  ip: string;
  /** The pod's gRPC port: each test addr-server has its own. */
  port: number;
  node?: string;
  zone?: string;
  ready?: boolean;
  serving?: boolean;
  terminating?: boolean;
}

export class KubeFixture {
  readonly store = new KubeStore();
  readonly api: KubeApiServer;
  kubeconfig = '';
  private dir = '';

  constructor(readonly host: string) {
    this.api = new KubeApiServer({ store: this.store, host });
  }

  async start(): Promise<void> {
    await this.api.start();
    this.dir = await mkdtemp(join(tmpdir(), 'xds-server-'));
    this.kubeconfig = join(this.dir, 'kubeconfig');
    await this.api.writeKubeconfig(this.kubeconfig, NAMESPACE);
  }

  async stop(): Promise<void> {
    await this.api.stop();
    await rm(this.dir, { recursive: true, force: true });
  }

  /**
   * The Service's slices: one per pod, since each test pod listens on its
   * own port (a Service whose pods name the same port with different numbers
   * gets one slice per number in Kubernetes too). Slices of pods no longer
   * listed are deleted.
   */
  setPods(service: string, pods: readonly PodEndpoint[]): void {
    const wanted = new Map<string, KubeObject>();
    for (const pod of pods) {
      const [slice] = endpointSlicesFor(
        { name: service, namespace: NAMESPACE, ports: [{ name: 'grpc', port: pod.port }] },
        [
          {
            ip: pod.ip,
            ready: pod.ready ?? true,
            serving: pod.serving ?? pod.ready ?? true,
            terminating: pod.terminating ?? false,
            podName: pod.name,
            ...(pod.node ? { nodeName: pod.node } : {}),
            ...(pod.zone ? { zone: pod.zone } : {}),
          },
        ],
      );
      const name = `${service}-${pod.name}`;
      wanted.set(name, { ...slice!, metadata: { ...slice!.metadata, name } });
    }
    for (const slice of wanted.values()) this.store.put(slice);
    for (const old of this.store.list('discovery.k8s.io/v1', 'EndpointSlice', NAMESPACE)) {
      const labels = old.metadata.labels ?? {};
      if (labels['kubernetes.io/service-name'] === service && !wanted.has(old.metadata.name)) {
        this.store.remove('discovery.k8s.io/v1', 'EndpointSlice', NAMESPACE, old.metadata.name);
      }
    }
  }

  /** A control plane on `host` reading this API; fast retries for tests. */
  controlPlane(
    host: string,
    options: Partial<XdsServerOptions> & { log?: (line: string) => void } = {},
  ): XdsServer {
    return createXdsServer({
      bind: host,
      grpcPort: 0,
      httpPort: 0,
      services: ['addr-server.grpc-lb:grpc'],
      namespace: NAMESPACE,
      kubeconfig: this.kubeconfig,
      debounceMs: 20,
      kube: { backoffInitialMs: 100, backoffMaxMs: 300, requestTimeoutMs: 1000 },
      env: { podNamespace: undefined, podName: 'xds-server-test' },
      ...options,
    });
  }
}
