import { UsageError } from '@lab/cli';
import { CommandError, type CommandResult, type CommandRunner } from './command-plan.js';
import { getNamespaceCommand, isLabNamespace, parseNamespace } from './cluster-guard.js';
import { LAB_MANAGED_BY_LABEL, LAB_MANAGER } from './cluster-kustomization.js';

/** Bounds the wait for the namespace's objects to go, as every kubectl wait of the runtimes. */
const DELETE_TIMEOUT = '180s';

/**
 * `pnpm lab down --runtime cluster`: deletes the lab's namespace, and only
 * if it carries the lab's label. Absent is fine (a second `down`, or nothing
 * ever ran): it resolves with `absent`. A namespace without the label is
 * somebody else's: refused.
 */
export async function clusterDown(
  runner: CommandRunner,
  context: string,
  namespace: string,
): Promise<'deleted' | 'absent'> {
  let found: ReturnType<typeof parseNamespace>;
  let answer: CommandResult | undefined;
  let deleted = false;
  runner.note(
    `namespace ${namespace} is deleted only if it carries ${LAB_MANAGED_BY_LABEL}=${LAB_MANAGER}; absent is fine`,
  );
  await runner.when(
    {
      argv: getNamespaceCommand(context, namespace),
      what: `the output is namespace ${namespace} labelled ${LAB_MANAGED_BY_LABEL}=${LAB_MANAGER}`,
      holds: (result) => {
        answer = result;
        if (result.code !== 0) return false;
        found = parseNamespace(result.stdout);
        return found !== undefined && isLabNamespace(found);
      },
    },
    async () => {
      await runner.run([
        'kubectl',
        '--context',
        context,
        'delete',
        'namespace',
        namespace,
        '--ignore-not-found',
        '--wait',
        `--timeout=${DELETE_TIMEOUT}`,
      ]);
      deleted = true;
    },
  );
  if (!runner.live || deleted) return 'deleted';
  // A failed read (no such context, no access) is not "absent".
  if (answer && answer.code !== 0)
    throw new CommandError(getNamespaceCommand(context, namespace), answer);
  if (found) {
    throw new UsageError(
      `namespace ${namespace} on context ${context} is not the lab's (no ${LAB_MANAGED_BY_LABEL}=${LAB_MANAGER} label): left alone`,
    );
  }
  return 'absent';
}
