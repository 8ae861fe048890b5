import type { IPolicyRule } from 'kubernetes-models/rbac.authorization.k8s.io/v1/PolicyRule';
import type { IRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import type { IRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import { type KubeObject, objectRef } from './kube-object.js';
import { podTemplates, serviceAccountOf } from './pod-templates.js';
import { NAME_LABEL } from './policy-labels.js';
import type { Violation } from './policy-violation.js';

interface ApiAccess {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

/**
 * What each lab program may do through the Kubernetes API, keyed by its
 * app.kubernetes.io/name: the most any Role bound to its ServiceAccount may
 * grant. A program that is not listed gets no API access at all.
 */
export const API_ACCESS: Readonly<Record<string, readonly ApiAccess[]>> = {
  // The kubernetes:/// resolver lists a Service's EndpointSlices, watches
  // them, and gets one again after a watch error.
  'client-grpc': [
    {
      apiGroups: ['discovery.k8s.io'],
      resources: ['endpointslices'],
      verbs: ['get', 'list', 'watch'],
    },
  ],
  // The grpclb balancer does the same for every Service its clients name
  // (one shared list + watch per Service), in its own namespace.
  'grpclb-server': [
    {
      apiGroups: ['discovery.k8s.io'],
      resources: ['endpointslices'],
      verbs: ['get', 'list', 'watch'],
    },
  ],
  // The xDS control plane builds its endpoints from the EndpointSlices of
  // each --service it serves: the same list + watch, in its own namespace.
  'xds-server': [
    {
      apiGroups: ['discovery.k8s.io'],
      resources: ['endpointslices'],
      verbs: ['get', 'list', 'watch'],
    },
  ],
  // Linkerd 1's io.l5d.k8s namer (linkerd1-daemonset) watches a Service and
  // its Endpoints, through kubectl proxy with the router pod's token.
  linkerd: [
    { apiGroups: [''], resources: ['endpoints', 'services'], verbs: ['get', 'list', 'watch'] },
  ],
};

const CLUSTER_WIDE = new Set(['ClusterRole', 'ClusterRoleBinding']);

function allowedBy(rule: IPolicyRule, access: readonly ApiAccess[]): boolean {
  return access.some(
    (allowed) =>
      (rule.apiGroups ?? []).every((group) => allowed.apiGroups.includes(group)) &&
      (rule.resources ?? []).every((resource) => allowed.resources.includes(resource)) &&
      rule.verbs.every((verb) => allowed.verbs.includes(verb)),
  );
}

/**
 * API access only where a program needs it: namespaced Roles only, no
 * wildcards, rules within API_ACCESS for every program that runs as the bound
 * ServiceAccount, and no API token in pods whose ServiceAccount has no Role.
 */
export function rbacViolations(objects: readonly KubeObject[]): Violation[] {
  const violations: Violation[] = [];
  const add = (object: string, path: string, message: string) =>
    violations.push({ rule: 'rbac', object, path, message });
  const namespaced = (o: KubeObject) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
  const pods = podTemplates(objects);
  const roles = new Map(
    objects
      .filter((o) => o.kind === 'Role')
      .map((o) => [namespaced(o), o as unknown as IRole & KubeObject]),
  );
  const bindings = objects
    .filter((o) => o.kind === 'RoleBinding')
    .map((o) => o as unknown as IRoleBinding & KubeObject);
  const serviceAccounts = new Map(
    objects.filter((o) => o.kind === 'ServiceAccount').map((o) => [namespaced(o), o]),
  );

  for (const object of objects.filter((o) => CLUSTER_WIDE.has(o.kind))) {
    add(
      objectRef(object),
      '',
      'no cluster-wide RBAC: use a Role and a RoleBinding in the namespace',
    );
  }

  const boundAccounts = new Set<string>();
  const boundRoles = new Set<string>();
  for (const binding of bindings) {
    const ref = objectRef(binding);
    const namespace = binding.metadata.namespace ?? '';
    if (binding.roleRef.kind !== 'Role') {
      add(ref, 'roleRef.kind', `must be Role, not ${binding.roleRef.kind}`);
      continue;
    }
    const roleKey = `${namespace}/${binding.roleRef.name}`;
    const role = roles.get(roleKey);
    if (!role) {
      add(ref, 'roleRef.name', `no Role ${binding.roleRef.name} in these manifests`);
      continue;
    }
    boundRoles.add(roleKey);
    for (const [i, subject] of (binding.subjects ?? []).entries()) {
      const at = `subjects[${i}]`;
      if (subject.kind !== 'ServiceAccount') {
        add(ref, `${at}.kind`, `only ServiceAccounts, not ${subject.kind}`);
        continue;
      }
      if ((subject.namespace ?? namespace) !== namespace) {
        add(ref, `${at}.namespace`, 'a ServiceAccount of another namespace');
        continue;
      }
      boundAccounts.add(`${namespace}/${subject.name}`);
      const programs = new Set(
        pods
          .filter(
            (pod) =>
              (pod.owner.metadata.namespace ?? '') === namespace &&
              serviceAccountOf(pod) === subject.name,
          )
          .map((pod) => pod.labels[NAME_LABEL] ?? pod.ref),
      );
      if (programs.size === 0) {
        add(ref, at, `no workload runs as ServiceAccount ${subject.name}: access nobody needs`);
      }
      for (const program of programs) {
        const access = API_ACCESS[program] ?? [];
        for (const [r, rule] of role.rules?.entries() ?? []) {
          if (!allowedBy(rule, access)) {
            add(
              objectRef(role),
              `rules[${r}]`,
              `grants ${program} more than it needs (${JSON.stringify(access)})`,
            );
          }
        }
      }
    }
  }

  for (const [key, role] of roles) {
    const ref = objectRef(role);
    if (!boundRoles.has(key)) add(ref, '', 'bound by no RoleBinding');
    for (const [r, rule] of role.rules?.entries() ?? []) {
      for (const field of ['apiGroups', 'resources', 'verbs', 'resourceNames'] as const) {
        if (rule[field]?.includes('*')) add(ref, `rules[${r}].${field}`, 'no wildcards');
      }
      if (rule.nonResourceURLs?.length) add(ref, `rules[${r}].nonResourceURLs`, 'not in a Role');
    }
  }

  for (const pod of pods) {
    const namespace = pod.owner.metadata.namespace ?? '';
    const account = serviceAccountOf(pod);
    const accountObject = serviceAccounts.get(`${namespace}/${account}`);
    const automount =
      pod.spec.automountServiceAccountToken ??
      (accountObject?.automountServiceAccountToken as boolean | undefined) ??
      true;
    if (automount && !boundAccounts.has(`${namespace}/${account}`)) {
      add(
        pod.ref,
        `${pod.path}spec.automountServiceAccountToken`,
        `mounts a token for ServiceAccount ${account}, which no Role binds: set it to false`,
      );
    }
    if (account !== 'default' && !accountObject) {
      add(pod.ref, `${pod.path}spec.serviceAccountName`, `no ServiceAccount ${account} here`);
    }
  }
  return violations;
}
