import type { KubeObject } from './kube-object.js';
import type { ResourceDef } from './kube-resources.js';
import { formatMatchLabels } from './label-selector.js';

/**
 * Server-side printing: kubectl asks for meta.k8s.io/v1 Tables and prints
 * their columns, so these mirror the columns and cell formats of the API
 * server's printers (pkg/printers/internalversion) for the kinds served here.
 * Priority-1 columns are the ones `-o wide` adds.
 */

interface Column {
  name: string;
  type: 'string' | 'integer' | 'number' | 'date';
  format?: 'name';
  priority?: number;
  description: string;
}

type Cells = (object: KubeObject, now: number) => (string | number)[];

interface Printer {
  columns: Column[];
  cells: Cells;
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

/** Whether an Accept header asks for a meta.k8s.io Table. */
export function wantsTable(accept: string | undefined): boolean {
  for (const range of (accept ?? '').split(',')) {
    const params = range.split(';').map((p) => p.trim());
    if (params.includes('as=Table') && params.includes('g=meta.k8s.io')) return true;
    if (params[0] === 'application/json' && params.length === 1) return false;
  }
  return false;
}

/** apimachinery's duration.HumanDuration, as the AGE column shows it. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8)
    return hours % 24 === 0 ? `${hours / 24}d` : `${Math.floor(hours / 24)}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  const years = Math.floor(hours / 24 / 365);
  if (years < 8) {
    const days = Math.floor(hours / 24) % 365;
    return days === 0 ? `${years}y` : `${years}y${days}d`;
  }
  return `${years}y`;
}

function age(object: KubeObject, now: number): string {
  const created = object.metadata.creationTimestamp;
  return created ? humanDuration(now - Date.parse(created)) : '<unknown>';
}

/** The first three items, then how many more, as the printers shorten lists. */
function firstThree(items: string[], empty: string): string {
  if (items.length === 0) return empty;
  const shown = items.slice(0, 3).join(',');
  return items.length > 3 ? `${shown} + ${items.length - 3} more...` : shown;
}

const NAME: Column = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description: 'Name must be unique within a namespace.',
};
const AGE: Column = {
  name: 'Age',
  type: 'string',
  description:
    'CreationTimestamp is a timestamp representing the server time when this object was created.',
};

// Loose views of the JSON fields the printers read.
// biome-ignore lint/suspicious/noExplicitAny: untyped JSON, read defensively below
type Any = Record<string, any>;

const PRINTERS: Record<string, Printer> = {
  namespaces: {
    columns: [
      NAME,
      { name: 'Status', type: 'string', description: 'The status of the namespace' },
      AGE,
    ],
    cells: (o, now) => [o.metadata.name, (o as Any).status?.phase ?? 'Active', age(o, now)],
  },
  nodes: {
    columns: [
      NAME,
      { name: 'Status', type: 'string', description: 'The status of the node' },
      { name: 'Roles', type: 'string', description: 'The roles of the node' },
      AGE,
      { name: 'Version', type: 'string', description: 'Kubelet Version reported by the node.' },
      {
        name: 'Internal-IP',
        type: 'string',
        priority: 1,
        description: 'List of addresses reachable to the node.',
      },
    ],
    cells: (o, now) => {
      const node = o as Any;
      const ready = (node.status?.conditions ?? []).find((c: Any) => c.type === 'Ready');
      const roles = Object.keys(o.metadata.labels ?? {})
        .filter((key) => key.startsWith('node-role.kubernetes.io/'))
        .map((key) => key.slice('node-role.kubernetes.io/'.length));
      const internal = (node.status?.addresses ?? []).find((a: Any) => a.type === 'InternalIP');
      return [
        o.metadata.name,
        ready?.status === 'True' ? 'Ready' : 'NotReady',
        roles.length > 0 ? roles.sort().join(',') : '<none>',
        age(o, now),
        node.status?.nodeInfo?.kubeletVersion ?? '',
        internal?.address ?? '<none>',
      ];
    },
  },
  pods: {
    columns: [
      NAME,
      {
        name: 'Ready',
        type: 'string',
        description: 'The aggregate readiness state of this pod for accepting traffic.',
      },
      {
        name: 'Status',
        type: 'string',
        description: 'The aggregate status of the containers in this pod.',
      },
      {
        name: 'Restarts',
        type: 'string',
        description:
          'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.',
      },
      AGE,
      {
        name: 'IP',
        type: 'string',
        priority: 1,
        description:
          'IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.',
      },
      {
        name: 'Node',
        type: 'string',
        priority: 1,
        description: 'Name of the Node the Pod is running on.',
      },
      {
        name: 'Nominated Node',
        type: 'string',
        priority: 1,
        description: 'Name of the Node the Pod would be placed on in the future.',
      },
      {
        name: 'Readiness Gates',
        type: 'string',
        priority: 1,
        description: 'If specified, all readiness gates will be evaluated for pod readiness.',
      },
    ],
    cells: (o, now) => {
      const pod = o as Any;
      const containers: Any[] = pod.status?.containerStatuses ?? [];
      const ready = containers.filter((c) => c.ready).length;
      const total = pod.spec?.containers?.length ?? containers.length;
      const restarts = containers.reduce((sum, c) => sum + (c.restartCount ?? 0), 0);
      const phase = o.metadata.deletionTimestamp ? 'Terminating' : (pod.status?.phase ?? 'Pending');
      return [
        o.metadata.name,
        `${ready}/${total}`,
        phase,
        `${restarts}`,
        age(o, now),
        pod.status?.podIP ?? '<none>',
        pod.spec?.nodeName ?? '<none>',
        '<none>',
        '<none>',
      ];
    },
  },
  services: {
    columns: [
      NAME,
      { name: 'Type', type: 'string', description: 'type determines how the Service is exposed.' },
      {
        name: 'Cluster-IP',
        type: 'string',
        description: 'clusterIP is the IP address of the service.',
      },
      {
        name: 'External-IP',
        type: 'string',
        description:
          'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.',
      },
      {
        name: 'Port(s)',
        type: 'string',
        description: 'The list of ports that are exposed by this service.',
      },
      AGE,
      {
        name: 'Selector',
        type: 'string',
        priority: 1,
        description:
          'Route service traffic to pods with label keys and values matching this selector.',
      },
    ],
    cells: (o, now) => {
      const spec = (o as Any).spec ?? {};
      const ports = (spec.ports ?? []).map((p: Any) =>
        p.nodePort
          ? `${p.port}:${p.nodePort}/${p.protocol ?? 'TCP'}`
          : `${p.port}/${p.protocol ?? 'TCP'}`,
      );
      return [
        o.metadata.name,
        spec.type ?? 'ClusterIP',
        spec.clusterIP ?? '<none>',
        '<none>',
        ports.length ? ports.join(',') : '<none>',
        age(o, now),
        spec.selector ? formatMatchLabels(spec.selector) : '<none>',
      ];
    },
  },
  endpoints: {
    columns: [
      NAME,
      { name: 'Endpoints', type: 'string', description: 'Endpoints of the Service.' },
      AGE,
    ],
    cells: (o, now) => {
      const addresses: string[] = [];
      for (const subset of ((o as Any).subsets ?? []) as Any[]) {
        for (const address of subset.addresses ?? []) {
          for (const port of subset.ports ?? [{}]) {
            addresses.push(port.port ? `${address.ip}:${port.port}` : address.ip);
          }
        }
      }
      return [o.metadata.name, firstThree(addresses, '<none>'), age(o, now)];
    },
  },
  endpointslices: {
    columns: [
      NAME,
      {
        name: 'AddressType',
        type: 'string',
        description: 'addressType specifies the type of address carried by this EndpointSlice.',
      },
      {
        name: 'Ports',
        type: 'string',
        description:
          'ports specifies the list of network ports exposed by each endpoint in this slice.',
      },
      {
        name: 'Endpoints',
        type: 'string',
        description: 'endpoints is a list of unique endpoints in this slice.',
      },
      AGE,
    ],
    cells: (o, now) => {
      const slice = o as Any;
      const ports = ((slice.ports ?? []) as Any[]).map((p) => `${p.port ?? '<unset>'}`);
      const addresses = ((slice.endpoints ?? []) as Any[]).flatMap((e) => e.addresses ?? []);
      return [
        o.metadata.name,
        slice.addressType ?? '',
        ports.length ? ports.join(',') : '<unset>',
        firstThree(addresses, '<unset>'),
        age(o, now),
      ];
    },
  },
  deployments: {
    columns: [
      NAME,
      { name: 'Ready', type: 'string', description: 'Number of the pod with ready state' },
      {
        name: 'Up-to-date',
        type: 'integer',
        description:
          'Total number of non-terminated pods targeted by this deployment that have the desired template spec.',
      },
      {
        name: 'Available',
        type: 'integer',
        description:
          'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.',
      },
      AGE,
      {
        name: 'Containers',
        type: 'string',
        priority: 1,
        description: 'Names of each container in the template.',
      },
      {
        name: 'Images',
        type: 'string',
        priority: 1,
        description: 'Images referenced by each container in the template.',
      },
      { name: 'Selector', type: 'string', priority: 1, description: 'Label selector for pods.' },
    ],
    cells: (o, now) => {
      const d = o as Any;
      const containers: Any[] = d.spec?.template?.spec?.containers ?? [];
      return [
        o.metadata.name,
        `${d.status?.readyReplicas ?? 0}/${d.spec?.replicas ?? 0}`,
        d.status?.updatedReplicas ?? 0,
        d.status?.availableReplicas ?? 0,
        age(o, now),
        containers.map((c) => c.name).join(','),
        containers.map((c) => c.image).join(','),
        d.spec?.selector?.matchLabels ? formatMatchLabels(d.spec.selector.matchLabels) : '<none>',
      ];
    },
  },
};

function rowObject(object: KubeObject, include: IncludeObject): object | undefined {
  if (include === 'None') return undefined;
  if (include === 'Object') return object;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: object.metadata };
}

/** A meta.k8s.io/v1 Table of `objects`; `headers: false` for watch events after the first. */
export function toTable(
  resource: ResourceDef,
  objects: KubeObject[],
  options: {
    resourceVersion?: string;
    continueToken?: string;
    include: IncludeObject;
    headers?: boolean;
    now?: number;
  },
): object {
  const printer = PRINTERS[resource.plural];
  if (!printer) throw new Error(`no table printer for ${resource.plural}`);
  const now = options.now ?? Date.now();
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: {
      ...(options.resourceVersion ? { resourceVersion: options.resourceVersion } : {}),
      ...(options.continueToken ? { continue: options.continueToken } : {}),
    },
    columnDefinitions:
      options.headers === false
        ? null
        : printer.columns.map((c) => ({ format: '', priority: 0, ...c })),
    rows: objects.map((o) => {
      const object = rowObject(o, options.include);
      return { cells: printer.cells(o, now), ...(object ? { object } : {}) };
    }),
  };
}
