import type { KubeObject } from './kube-object.js';

/** One served resource: what discovery advertises and what the router accepts. */
export interface ResourceDef {
  group: string;
  version: string;
  /** `apps/v1`, or `v1` for the core group. */
  apiVersion: string;
  plural: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  verbs: string[];
  subresources: SubresourceDef[];
  /** Field selector labels the real API server accepts for this kind. */
  fieldLabels: string[];
  /** Core kinds with their own conversion say "field label not supported"; others the generic message. */
  fieldLabelError: 'core' | 'generic';
}

export interface SubresourceDef {
  name: string;
  group: string;
  version: string;
  kind: string;
  verbs: string[];
}

const READ = ['get', 'list', 'watch'];
const META_FIELDS = ['metadata.name', 'metadata.namespace'];

function def(
  groupVersion: string,
  plural: string,
  singular: string,
  kind: string,
  rest: Partial<ResourceDef> = {},
): ResourceDef {
  const [group, version] = groupVersion.includes('/')
    ? (groupVersion.split('/') as [string, string])
    : ['', groupVersion];
  return {
    group,
    version,
    apiVersion: groupVersion,
    plural,
    singular,
    kind,
    namespaced: true,
    shortNames: [],
    categories: [],
    verbs: READ,
    subresources: [],
    fieldLabels: META_FIELDS,
    fieldLabelError: 'generic',
    ...rest,
  };
}

/** The Kubernetes API subset the lab's programs use, with the metadata kubectl needs. */
export const RESOURCES: readonly ResourceDef[] = [
  def('v1', 'namespaces', 'namespace', 'Namespace', {
    namespaced: false,
    shortNames: ['ns'],
    verbs: [...READ, 'delete'],
    fieldLabels: ['metadata.name', 'status.phase'],
    fieldLabelError: 'core',
  }),
  def('v1', 'nodes', 'node', 'Node', {
    namespaced: false,
    shortNames: ['no'],
    fieldLabels: ['metadata.name', 'spec.unschedulable'],
    fieldLabelError: 'core',
  }),
  def('v1', 'pods', 'pod', 'Pod', {
    shortNames: ['po'],
    categories: ['all'],
    fieldLabels: [
      ...META_FIELDS,
      'spec.nodeName',
      'spec.restartPolicy',
      'spec.schedulerName',
      'spec.serviceAccountName',
      'spec.hostNetwork',
      'status.phase',
      'status.podIP',
      'status.podIPs',
      'status.nominatedNodeName',
    ],
    fieldLabelError: 'core',
  }),
  def('v1', 'services', 'service', 'Service', {
    shortNames: ['svc'],
    categories: ['all'],
    fieldLabels: [...META_FIELDS, 'spec.clusterIP', 'spec.type'],
    fieldLabelError: 'core',
  }),
  def('v1', 'endpoints', 'endpoints', 'Endpoints', { shortNames: ['ep'] }),
  def('discovery.k8s.io/v1', 'endpointslices', 'endpointslice', 'EndpointSlice'),
  def('apps/v1', 'deployments', 'deployment', 'Deployment', {
    shortNames: ['deploy'],
    categories: ['all'],
    verbs: [...READ, 'patch', 'update'],
    subresources: [
      {
        name: 'scale',
        group: 'autoscaling',
        version: 'v1',
        kind: 'Scale',
        verbs: ['get', 'patch', 'update'],
      },
    ],
  }),
];

/** The groups other than core, in the order /apis lists them. */
export function apiGroups(): { name: string; version: string }[] {
  const groups = new Map<string, string>();
  for (const r of RESOURCES) if (r.group) groups.set(r.group, r.version);
  return [...groups].map(([name, version]) => ({ name, version }));
}

export function resourcesOf(group: string, version: string): ResourceDef[] {
  return RESOURCES.filter((r) => r.group === group && r.version === version);
}

export function findResource(
  group: string,
  version: string,
  plural: string,
): ResourceDef | undefined {
  return RESOURCES.find((r) => r.group === group && r.version === version && r.plural === plural);
}

function at(object: unknown, path: string): unknown {
  let value: unknown = object;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** The field values a field selector compares, as the registry's GetAttrs computes them. */
export function fieldsOf(resource: ResourceDef, object: KubeObject): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const label of resource.fieldLabels) {
    let value = at(object, label);
    if (label === 'status.podIPs') {
      // The pod registry matches the first pod IP.
      value = (value as { ip?: string }[] | undefined)?.[0]?.ip;
    }
    fields[label] =
      typeof value === 'string'
        ? value
        : value === undefined || value === null
          ? ''
          : String(value);
  }
  // A cluster-scoped object has an empty namespace; the field still exists.
  if (resource.fieldLabels.includes('metadata.namespace')) {
    fields['metadata.namespace'] = object.metadata.namespace ?? '';
  }
  if (resource.kind === 'Node' && fields['spec.unschedulable'] === '') {
    fields['spec.unschedulable'] = 'false';
  }
  if (resource.kind === 'Pod' && fields['spec.hostNetwork'] === '') {
    fields['spec.hostNetwork'] = 'false';
  }
  return fields;
}

/** The error the API server gives for a field label a kind does not support. */
export function unsupportedFieldMessage(resource: ResourceDef, label: string): string {
  return resource.fieldLabelError === 'core'
    ? `field label not supported: ${label}`
    : `"${label}" is not a known field selector: only "metadata.name", "metadata.namespace"`;
}
