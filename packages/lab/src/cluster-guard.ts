import { UsageError } from '@lab/cli';
import type { CommandRunner } from './command-plan.js';
import { LAB_MANAGED_BY_LABEL, LAB_MANAGER } from './cluster-kustomization.js';

/**
 * A context or cluster name that reads like production: `prod`, `production`,
 * `prd` or `live` as a word of it (`gke_acme_europe-west1_prod-eu`,
 * `arn:aws:eks:...:cluster/live`), not inside another word (`product-dev`).
 */
const PRODUCTION_WORD = /(?:^|[^a-z0-9])(?:prod|production|prd|live)(?:[^a-z0-9]|$)/i;

export interface GuardInput {
  /** The kubeconfig context the run uses. */
  context: string;
  /** The cluster the context points at, as the kubeconfig names it (when known). */
  cluster?: string | undefined;
  namespace: string;
  /** --yes: the person confirmed the context is one the lab may use. */
  yes: boolean;
}

/** What the guard found, for the narration and tests. */
export interface GuardVerdict {
  namespace: 'absent' | 'lab';
  /** The production-looking name --yes let through. */
  confirmed?: string;
}

/** Which of the names looks like production, if any. */
export function productionLikeName(
  input: Pick<GuardInput, 'context' | 'cluster'>,
): string | undefined {
  return [input.context, input.cluster].find(
    (name): name is string => name !== undefined && PRODUCTION_WORD.test(name),
  );
}

interface NamespaceJson {
  metadata?: { labels?: Record<string, string>; deletionTimestamp?: string };
}

/** The probe's command, shared by the guard and `down`. */
export function getNamespaceCommand(context: string, namespace: string): string[] {
  return [
    'kubectl',
    '--context',
    context,
    'get',
    'namespace',
    namespace,
    '--ignore-not-found',
    '-o',
    'json',
  ];
}

/** The namespace as `kubectl get -o json` printed it, or undefined when absent (empty output). */
export function parseNamespace(stdout: string): NamespaceJson | undefined {
  if (stdout.trim() === '') return undefined;
  return JSON.parse(stdout) as NamespaceJson;
}

export function isLabNamespace(namespace: NamespaceJson): boolean {
  return namespace.metadata?.labels?.[LAB_MANAGED_BY_LABEL] === LAB_MANAGER;
}

/**
 * The production guard, before anything is built, pushed or applied:
 * 1. a context or cluster name that looks like production
 *    (`productionLikeName`) is refused unless --yes;
 * 2. the namespace must be absent or carry
 *    `app.kubernetes.io/managed-by=grpc-lb-lab`, which the lab puts on the
 *    namespace it creates. Any other namespace is refused, --yes or not: the
 *    run ends by deleting its namespace, so it never uses one it did not make.
 * The namespace is read with kubectl through `runner`, so --dry-run shows the
 * read; the recorder answers nothing, which reads as absent.
 */
export async function guardCluster(
  runner: CommandRunner,
  input: GuardInput,
): Promise<GuardVerdict> {
  const { context, namespace, yes } = input;
  runner.note(
    `the production guard: a context or cluster name with prod, production, prd or live as a word is refused unless --yes; namespace ${namespace} must be absent or labelled ${LAB_MANAGED_BY_LABEL}=${LAB_MANAGER}`,
  );
  const production = productionLikeName(input);
  if (production && !yes) {
    throw new UsageError(
      `${production === context ? 'context' : 'cluster'} ${production} looks like a production cluster (prod, production, prd or live in its name); the lab deploys, scales and deletes pods there. Add --yes if this cluster is one the lab may use.`,
    );
  }
  const { stdout } = await runner.run(getNamespaceCommand(context, namespace));
  const found = parseNamespace(stdout);
  if (found && !isLabNamespace(found)) {
    throw new UsageError(
      `namespace ${namespace} exists on context ${context} and is not the lab's (no ${LAB_MANAGED_BY_LABEL}=${LAB_MANAGER} label); a run deletes its namespace when it ends, so it never uses one it did not create (--yes does not change that). Pick another --namespace.`,
    );
  }
  return {
    namespace: found ? 'lab' : 'absent',
    ...(production ? { confirmed: production } : {}),
  };
}
