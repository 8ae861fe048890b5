import type { KubeObject } from './kube-object.js';
import { kubeTime } from './kube-object.js';

/**
 * The Kubernetes objects that describe the local cluster's state, shaped as
 * the real controllers and kubelet write them, for the fields the lab's
 * programs and kubectl read.
 */

export const APP_LABEL = 'app.kubernetes.io/name';
export const TEMPLATE_HASH_LABEL = 'pod-template-hash';
export const CONTAINER_NAME = 'addr-server';
export const CONTAINER_IMAGE = 'grpc-lb-lab/addr-server:local';
export const RESTARTED_AT_ANNOTATION = 'kubectl.kubernetes.io/restartedAt';

export interface ServicePortSpec {
  name: string;
  port: number;
  appProtocol: string;
  nodePort?: number;
}

/**
 * The label the lab puts on a namespace it owns; a cluster runtime deletes
 * or reuses only a namespace that carries it. The local cluster's namespace
 * is the lab's, so it carries it too.
 */
export const LAB_MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const LAB_MANAGER = 'grpc-lb-lab';

/** The label topology-aware routing, the scheduler and the lab's topology report read a node's zone from. */
export const ZONE_LABEL = 'topology.kubernetes.io/zone';

export function namespaceObject(name: string, labels: Record<string, string> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: { ...labels, 'kubernetes.io/metadata.name': name } },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  };
}

/**
 * A Node as the kubelet registers it, for the fields kubectl and the lab's
 * topology report read: the well-known hostname, OS and zone labels, Ready.
 */
export function nodeObject(name: string, zone: string | undefined): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        ...(zone ? { [ZONE_LABEL]: zone } : {}),
      },
    },
    spec: {},
    status: {
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady' }],
      nodeInfo: { kubeletVersion: 'v1.32.0', operatingSystem: 'linux' },
    },
  };
}

function containerPorts(ports: Record<string, number>): object[] {
  return Object.entries(ports).map(([name, containerPort]) => ({
    name,
    containerPort,
    protocol: 'TCP',
  }));
}

export interface DeploymentState {
  namespace: string;
  name: string;
  replicas: number;
  args: readonly string[];
  ports: Record<string, number>;
  terminationGracePeriodMs: number;
  restartedAt?: string;
  generation: number;
  pods: { hash: string; ready: boolean; terminating: boolean }[];
  currentHash: string;
}

export function deploymentObject(d: DeploymentState): KubeObject {
  const live = d.pods.filter((p) => !p.terminating);
  const ready = live.filter((p) => p.ready).length;
  const updated = live.filter((p) => p.hash === d.currentHash).length;
  const labels = { [APP_LABEL]: d.name };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: d.name, namespace: d.namespace, labels, generation: d.generation },
    spec: {
      replicas: d.replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: {
          labels,
          ...(d.restartedAt ? { annotations: { [RESTARTED_AT_ANNOTATION]: d.restartedAt } } : {}),
        },
        spec: {
          containers: [
            {
              name: CONTAINER_NAME,
              image: CONTAINER_IMAGE,
              args: [...d.args],
              ports: containerPorts(d.ports),
            },
          ],
          terminationGracePeriodSeconds: Math.ceil(d.terminationGracePeriodMs / 1000),
        },
      },
      strategy: {
        type: 'RollingUpdate',
        rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' },
      },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
    },
    status: {
      observedGeneration: d.generation,
      replicas: live.length,
      updatedReplicas: updated,
      readyReplicas: ready,
      availableReplicas: ready,
      ...(d.replicas > ready ? { unavailableReplicas: d.replicas - ready } : {}),
    },
  };
}

export interface ServiceState {
  namespace: string;
  name: string;
  deployment: string;
  type: 'ClusterIP' | 'NodePort';
  /** 'None' for a headless Service. */
  clusterIP: string;
  ports: ServicePortSpec[];
}

export function serviceObject(s: ServiceState): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: s.name, namespace: s.namespace, labels: { [APP_LABEL]: s.deployment } },
    spec: {
      type: s.type,
      clusterIP: s.clusterIP,
      clusterIPs: [s.clusterIP],
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
      selector: { [APP_LABEL]: s.deployment },
      ports: s.ports.map((p) => ({
        name: p.name,
        protocol: 'TCP',
        appProtocol: p.appProtocol,
        port: p.port,
        targetPort: p.port,
        ...(p.nodePort ? { nodePort: p.nodePort } : {}),
      })),
      sessionAffinity: 'None',
      internalTrafficPolicy: 'Cluster',
      ...(s.type === 'NodePort' ? { externalTrafficPolicy: 'Cluster' } : {}),
    },
    status: { loadBalancer: {} },
  };
}

export interface PodState {
  namespace: string;
  name: string;
  deployment: string;
  hash: string;
  ip: string;
  node: string;
  args: readonly string[];
  ports: Record<string, number>;
  terminationGracePeriodMs: number;
  createdAt: number;
  readyAt?: number | undefined;
  ready: boolean;
  terminatingAt?: number | undefined;
  graceMs?: number | undefined;
}

export function podObject(p: PodState): KubeObject {
  const created = kubeTime(p.createdAt);
  const readyStatus = p.ready ? 'True' : 'False';
  const readySince = kubeTime(p.ready ? (p.readyAt ?? p.createdAt) : p.createdAt);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: p.name,
      namespace: p.namespace,
      generateName: `${p.deployment}-${p.hash}-`,
      labels: { [APP_LABEL]: p.deployment, [TEMPLATE_HASH_LABEL]: p.hash },
      ...(p.terminatingAt !== undefined
        ? {
            deletionTimestamp: kubeTime(p.terminatingAt + (p.graceMs ?? 0)),
            deletionGracePeriodSeconds: Math.ceil((p.graceMs ?? 0) / 1000),
          }
        : {}),
    },
    spec: {
      containers: [
        {
          name: CONTAINER_NAME,
          image: CONTAINER_IMAGE,
          args: [...p.args],
          ports: containerPorts(p.ports),
        },
      ],
      nodeName: p.node,
      restartPolicy: 'Always',
      schedulerName: 'default-scheduler',
      serviceAccountName: 'default',
      terminationGracePeriodSeconds: Math.ceil(p.terminationGracePeriodMs / 1000),
    },
    status: {
      phase: 'Running',
      conditions: [
        { type: 'PodScheduled', status: 'True', lastTransitionTime: created },
        { type: 'Initialized', status: 'True', lastTransitionTime: created },
        { type: 'ContainersReady', status: readyStatus, lastTransitionTime: readySince },
        { type: 'Ready', status: readyStatus, lastTransitionTime: readySince },
      ],
      podIP: p.ip,
      podIPs: [{ ip: p.ip }],
      startTime: created,
      containerStatuses: [
        {
          name: CONTAINER_NAME,
          image: CONTAINER_IMAGE,
          imageID: '',
          ready: p.ready,
          started: true,
          restartCount: 0,
          state: { running: { startedAt: created } },
        },
      ],
      qosClass: 'BestEffort',
    },
  };
}

export interface EndpointAddress {
  ip: string;
  nodeName: string;
  podName: string;
  ready: boolean;
}

/**
 * The v1 Endpoints of a Service: Ready pods under addresses, pods not yet
 * Ready under notReadyAddresses; terminating pods are left out, as the
 * endpoints controller does without publishNotReadyAddresses.
 */
export function endpointsObject(
  namespace: string,
  service: string,
  ports: ServicePortSpec[],
  addresses: EndpointAddress[],
): KubeObject {
  const address = (a: EndpointAddress) => ({
    ip: a.ip,
    nodeName: a.nodeName,
    targetRef: { kind: 'Pod', namespace, name: a.podName },
  });
  const ready = addresses.filter((a) => a.ready).map(address);
  const notReady = addresses.filter((a) => !a.ready).map(address);
  return {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: service, namespace, labels: { [APP_LABEL]: service } },
    ...(addresses.length > 0
      ? {
          subsets: [
            {
              ...(ready.length ? { addresses: ready } : {}),
              ...(notReady.length ? { notReadyAddresses: notReady } : {}),
              ports: ports.map((p) => ({
                name: p.name,
                port: p.port,
                protocol: 'TCP',
                appProtocol: p.appProtocol,
              })),
            },
          ],
        }
      : {}),
  };
}
