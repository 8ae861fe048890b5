import { apiGroups, RESOURCES, type ResourceDef, resourcesOf } from './kube-resources.js';

/**
 * The discovery documents. Legacy discovery is /api, /apis, /api/v1 and
 * /apis/<group>/<version>, which every kubectl understands; kubectl since 1.26
 * first asks /api and /apis for the aggregated form (apidiscovery.k8s.io),
 * one document per path holding every resource, and falls back to legacy
 * when the answer's Content-Type is plain application/json.
 */

/** The version this server reports; kubectl's version-skew checks and dispatchers read it. */
export const SERVER_VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0',
  gitCommit: 'grpc-lb-lab',
  gitTreeState: 'clean',
  buildDate: '2024-12-11T00:00:00Z',
  goVersion: 'go1.23.3',
  compiler: 'gc',
  platform: 'linux/amd64',
} as const;

export type AggregatedVersion = 'v2' | 'v2beta1';

/**
 * Which aggregated discovery form an Accept header asks for, honouring its
 * order; undefined when the client wants legacy discovery.
 */
export function aggregatedDiscoveryWanted(
  accept: string | undefined,
): AggregatedVersion | undefined {
  for (const range of (accept ?? '').split(',')) {
    const [type, ...params] = range.split(';').map((p) => p.trim());
    const param = (name: string) =>
      params.find((p) => p.startsWith(`${name}=`))?.slice(name.length + 1);
    if (type !== 'application/json' && type !== '*/*') continue;
    if (param('g') === 'apidiscovery.k8s.io' && param('as') === 'APIGroupDiscoveryList') {
      const version = param('v');
      if (version === 'v2' || version === 'v2beta1') return version;
      continue;
    }
    // Plain JSON listed before any aggregated form: the client prefers legacy.
    if (!param('as')) return undefined;
  }
  return undefined;
}

export function aggregatedContentType(version: AggregatedVersion): string {
  return `application/json;g=apidiscovery.k8s.io;v=${version};as=APIGroupDiscoveryList`;
}

export function apiVersions(serverAddress: string): object {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function groupDoc(name: string, version: string): object {
  const groupVersion = { groupVersion: `${name}/${version}`, version };
  return { name, versions: [groupVersion], preferredVersion: groupVersion };
}

export function apiGroupList(): object {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: apiGroups().map((g) => groupDoc(g.name, g.version)),
  };
}

export function apiGroup(name: string): object | undefined {
  const group = apiGroups().find((g) => g.name === name);
  return group && { kind: 'APIGroup', apiVersion: 'v1', ...groupDoc(group.name, group.version) };
}

export function apiResourceList(group: string, version: string): object | undefined {
  const resources = resourcesOf(group, version);
  if (resources.length === 0) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group ? `${group}/${version}` : version,
    resources: resources.flatMap((r) => [
      {
        name: r.plural,
        singularName: r.singular,
        namespaced: r.namespaced,
        kind: r.kind,
        verbs: r.verbs,
        ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
        ...(r.categories.length ? { categories: r.categories } : {}),
      },
      ...r.subresources.map((s) => ({
        name: `${r.plural}/${s.name}`,
        singularName: '',
        namespaced: r.namespaced,
        group: s.group,
        version: s.version,
        kind: s.kind,
        verbs: s.verbs,
      })),
    ]),
  };
}

function resourceDiscovery(r: ResourceDef): object {
  return {
    resource: r.plural,
    responseKind: { group: r.group, version: r.version, kind: r.kind },
    scope: r.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: r.singular,
    verbs: r.verbs,
    ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
    ...(r.categories.length ? { categories: r.categories } : {}),
    ...(r.subresources.length
      ? {
          subresources: r.subresources.map((s) => ({
            subresource: s.name,
            responseKind: { group: s.group, version: s.version, kind: s.kind },
            verbs: s.verbs,
          })),
        }
      : {}),
  };
}

/** The aggregated document for /api (core) or /apis (every named group). */
export function aggregatedDiscovery(version: AggregatedVersion, core: boolean): object {
  const groups = core ? [{ name: '', version: 'v1' }] : apiGroups();
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: `apidiscovery.k8s.io/${version}`,
    metadata: {},
    items: groups.map((g) => ({
      metadata: g.name ? { name: g.name, creationTimestamp: null } : { creationTimestamp: null },
      versions: [
        {
          version: g.version,
          resources: RESOURCES.filter((r) => r.group === g.name && r.version === g.version).map(
            resourceDiscovery,
          ),
          freshness: 'Current',
        },
      ],
    })),
  };
}
