import { relative, sep } from 'node:path';
import { LAB_MANAGED_BY_LABEL, LAB_MANAGER } from '@lab/local-cluster';
import { stringify } from 'yaml';
import type { KustomizationInput } from './kind-cluster.js';
import type { Scenario } from './scenario-schema.js';

/** The label on a namespace the lab made; the guard and `down` trust nothing else. */
export { LAB_MANAGED_BY_LABEL, LAB_MANAGER } from '@lab/local-cluster';

/** The generated ConfigMap that holds rewritten arguments; kustomize drops it from the output. */
const REWRITES = 'grpc-lb-lab-namespace-rewrites';

/**
 * The target with its host's namespace label moved from `from` to `to`, or
 * undefined when the host does not name a Service in `from`
 * (`<service>.<namespace>[.svc.cluster.local]`). The target is parsed (scheme,
 * authority, host, port), and only the host's second label is looked at.
 */
export function retargetNamespace(target: string, from: string, to: string): string | undefined {
  const match = /^([a-z][a-z0-9+.-]*:\/\/\/?)([^/:]+)(.*)$/i.exec(target);
  if (!match) return undefined;
  const [, scheme = '', host = '', rest = ''] = match;
  const labels = host.split('.');
  if (labels.length < 2 || labels[1] !== from) return undefined;
  labels[1] = to;
  return `${scheme}${labels.join('.')}${rest}`;
}

interface Rewrite {
  key: string;
  /** The Job whose container argument changes. */
  job: string;
  from: string;
  to: string;
}

/**
 * One rewrite per client whose `--target=` names a Service in the scenario's
 * namespace: the argument as the manifests hold it (scenario.yaml's target),
 * and as it must read in `namespace`.
 */
function targetRewrites(scenario: Scenario, namespace: string): Rewrite[] {
  if (namespace === scenario.namespace) return [];
  return scenario.clients.flatMap((client) => {
    const to = retargetNamespace(client.target, scenario.namespace, namespace);
    return to
      ? [
          {
            key: `client-${client.name}`,
            job: `client-${client.name}`,
            from: `--target=${client.target}`,
            to: `--target=${to}`,
          },
        ]
      : [];
  });
}

/**
 * The overlay a cluster run applies, on top of the scenario's own
 * kustomization, with kustomize doing every change:
 * - `images:` maps each `grpc-lb-lab/<app>` to `<registry>/<app>:<tag>`;
 * - `namespace:` moves every object (and RoleBinding subjects, and the
 *   Namespace itself) to the run's namespace;
 * - a patch labels the Namespace `app.kubernetes.io/managed-by=grpc-lb-lab`,
 *   what the guard and `down` look for;
 * - in another namespace than the scenario's, `replacements:` swap each
 *   client's whole `--target=` argument for its rewritten form, found by
 *   value (kustomize fails if the argument is not there). The values come
 *   from a ConfigMap marked `config.kubernetes.io/local-config`, which
 *   kustomize uses and leaves out of the output.
 * Whatever else names the namespace (a ConfigMap's Envoy config, say) is
 * left alone; `clusterManifestProblems` finds it, and the run refuses.
 */
export function clusterKustomization(input: KustomizationInput): string {
  const { outDir, scenarioDir, images, scenario, namespace } = input;
  const rewrites = targetRewrites(scenario, namespace);
  const body = {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: [relative(outDir, scenarioDir).split(sep).join('/')],
    namespace,
    images: images.map((image) => ({
      name: image.repository,
      ...(image.newName ? { newName: image.newName } : {}),
      newTag: image.tag,
    })),
    patches: [
      {
        target: { kind: 'Namespace' },
        patch: stringify([
          {
            op: 'add',
            path: `/metadata/labels/${LAB_MANAGED_BY_LABEL.replaceAll('/', '~1')}`,
            value: LAB_MANAGER,
          },
        ]).trimEnd(),
      },
    ],
    ...(rewrites.length > 0
      ? {
          configMapGenerator: [
            {
              name: REWRITES,
              literals: rewrites.map((rewrite) => `${rewrite.key}=${rewrite.to}`),
              options: {
                disableNameSuffixHash: true,
                annotations: { 'config.kubernetes.io/local-config': 'true' },
              },
            },
          ],
          replacements: rewrites.map((rewrite) => ({
            source: { kind: 'ConfigMap', name: REWRITES, fieldPath: `data.${rewrite.key}` },
            targets: [
              {
                select: { kind: 'Job', name: rewrite.job },
                fieldPaths: [`spec.template.spec.containers.*.args.[=${rewrite.from}]`],
              },
            ],
          })),
        }
      : {}),
  };
  return `# Written by pnpm lab --runtime cluster for this run: the scenario's manifests with
# the images pushed for this run, in namespace ${namespace}. Regenerated on every run.
${stringify(body)}`;
}
