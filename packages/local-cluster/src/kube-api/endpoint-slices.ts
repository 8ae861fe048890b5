import { createHash } from 'node:crypto';
import type { KubeObject } from './kube-object.js';

export interface EndpointInput {
  ip: string;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  nodeName?: string;
  zone?: string;
  podName?: string;
}

export interface SliceService {
  name: string;
  namespace: string;
  ports: { name: string; port: number; protocol?: string; appProtocol?: string }[];
}

/** The EndpointSlice controller's default --max-endpoints-per-slice. */
export const MAX_ENDPOINTS_PER_SLICE = 100;

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const MANAGED_BY = 'endpointslice-controller.k8s.io';

const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/**
 * `<service>-<5 chars>` as the controller's generateName gives, but derived
 * from the service and the slice's index, so the same cut always has the same
 * names and an update is MODIFIED rather than DELETED then ADDED.
 */
function sliceName(service: SliceService, index: number): string {
  const digest = createHash('sha256')
    .update(`${service.namespace}/${service.name}/${index}`)
    .digest();
  const suffix = [...digest.subarray(0, 5)].map((b) => ALPHABET[b % ALPHABET.length]).join('');
  return `${service.name}-${suffix}`;
}

/**
 * The EndpointSlices of a Service as the EndpointSlice controller cuts them:
 * at most 100 endpoints per slice, labels kubernetes.io/service-name and
 * endpointslice.kubernetes.io/managed-by, named ports. Endpoints keep the
 * given order, filling slices front to back; a Service without endpoints
 * still has one empty slice, the controller's placeholder.
 */
export function endpointSlicesFor(service: SliceService, endpoints: EndpointInput[]): KubeObject[] {
  const chunks: EndpointInput[][] = [];
  for (let i = 0; i < endpoints.length; i += MAX_ENDPOINTS_PER_SLICE) {
    chunks.push(endpoints.slice(i, i + MAX_ENDPOINTS_PER_SLICE));
  }
  if (chunks.length === 0) chunks.push([]);
  const ports = service.ports.map((p) => ({
    name: p.name,
    port: p.port,
    protocol: p.protocol ?? 'TCP',
    ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}),
  }));
  return chunks.map((chunk, index) => ({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: sliceName(service, index),
      namespace: service.namespace,
      generateName: `${service.name}-`,
      labels: { [SERVICE_NAME_LABEL]: service.name, [MANAGED_BY_LABEL]: MANAGED_BY },
    },
    addressType: 'IPv4',
    endpoints: chunk.map((e) => ({
      addresses: [e.ip],
      conditions: { ready: e.ready, serving: e.serving, terminating: e.terminating },
      ...(e.podName
        ? { targetRef: { kind: 'Pod', namespace: service.namespace, name: e.podName } }
        : {}),
      ...(e.nodeName ? { nodeName: e.nodeName } : {}),
      ...(e.zone ? { zone: e.zone } : {}),
    })),
    // The placeholder slice has no ports, as the controller creates it.
    ports: chunk.length > 0 ? ports : [],
  }));
}
