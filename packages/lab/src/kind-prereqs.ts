import { $ } from 'zx';
import type { CommandResult } from './command-plan.js';
import { shellLine } from './command-plan.js';
import { MESHES } from './kind-mesh.js';

/**
 * One check of a tool: a read-only command that must exit 0, and what to
 * tell a person when it does not.
 */
interface ToolCheck {
  argv: readonly string[];
  /** The one line to print when the check fails. */
  failure: string;
  /**
   * What the output must contain when the command succeeds (a pinned
   * version), and the line to print when it does not.
   */
  output?: { includes: string; failure: string };
}

export interface Tool {
  name: string;
  /** In order; the first that fails names what is wrong. */
  checks: readonly ToolCheck[];
}

const notFound = (name: string, how: string): ToolCheck => ({
  argv: [name, 'version'],
  failure: `${name}: not found; ${how}`,
});

/**
 * Every tool a kind run may need. The mesh CLIs are here so that a scenario
 * that installs a mesh only has to name them (`tools:` in scenario.yaml).
 */
export const TOOLS = {
  docker: {
    name: 'docker',
    checks: [
      {
        argv: ['docker', '--version'],
        failure:
          'docker: not found; install Docker Engine (https://docs.docker.com/engine/install/) or Docker Desktop',
      },
      {
        // `docker --version` answers without an engine; kind and builds need one.
        argv: ['docker', 'info', '--format', '{{.ServerVersion}}'],
        failure:
          'docker: the CLI is installed but no engine answers `docker info`; start the Docker daemon (or Docker Desktop)',
      },
    ],
  },
  kind: {
    name: 'kind',
    checks: [
      notFound(
        'kind',
        'install it: `go install sigs.k8s.io/kind@latest`, or a release binary (https://kind.sigs.k8s.io/docs/user/quick-start/#installation)',
      ),
    ],
  },
  kubectl: {
    name: 'kubectl',
    checks: [
      {
        argv: ['kubectl', 'version', '--client'],
        failure:
          'kubectl: not found; install kubectl 1.27 or later (https://kubernetes.io/docs/tasks/tools/)',
      },
    ],
  },
  istioctl: {
    name: 'istioctl',
    checks: [
      {
        argv: ['istioctl', 'version', '--remote=false'],
        failure: `istioctl: not found; install Istio ${MESHES.istio.version}'s: \`${MESHES.istio.install}\`, then put istio-${MESHES.istio.version}/bin on PATH`,
        output: {
          includes: MESHES.istio.version,
          failure: `istioctl: not version ${MESHES.istio.version}, the Istio the lab pins (istioctl installs its own version); \`${MESHES.istio.install}\``,
        },
      },
    ],
  },
  linkerd: {
    name: 'linkerd',
    checks: [
      {
        argv: ['linkerd', 'version', '--client', '--short'],
        failure: `linkerd: not found; install Linkerd ${MESHES.linkerd.version}'s CLI: \`${MESHES.linkerd.install}\`, then put ~/.linkerd2/bin on PATH`,
        output: {
          includes: MESHES.linkerd.version,
          failure: `linkerd: not version ${MESHES.linkerd.version}, the Linkerd the lab pins (the CLI installs its own version); \`${MESHES.linkerd.install}\``,
        },
      },
    ],
  },
} as const satisfies Record<string, Tool>;

export type ToolName = keyof typeof TOOLS;

/** What every kind run needs; a scenario adds its own (a mesh CLI) on top. */
export const KIND_TOOLS: readonly ToolName[] = ['docker', 'kind', 'kubectl'];

/** What a kind run of a scenario needs: the basics, then the tools it names (a mesh CLI). */
export function kindToolsFor(scenarioTools: readonly ToolName[]): ToolName[] {
  return [...new Set([...KIND_TOOLS, ...scenarioTools])];
}

/** What `pnpm lab down` needs: kind, which needs docker's engine. */
export const KIND_DOWN_TOOLS: readonly ToolName[] = ['docker', 'kind'];

export function isToolName(name: string): name is ToolName {
  return Object.hasOwn(TOOLS, name);
}

export interface ToolStatus {
  tool: ToolName;
  ok: boolean;
  /** The command whose answer decided it. */
  checked: string;
  /** When not ok: the one line that says how to fix it. */
  hint?: string;
}

/** Runs one read-only command; the default runs it for real, tests pass their own. */
export type CheckCommand = (argv: readonly string[]) => Promise<CommandResult>;

const CHECK_TIMEOUT = '15s';

export const runCheck: CheckCommand = async (argv) => {
  const output = await $({ quiet: true, nothrow: true, timeout: CHECK_TIMEOUT })`${[...argv]}`;
  return { code: output.exitCode ?? 1, stdout: output.stdout, stderr: output.stderr };
};

/** Checks each tool in turn; never throws: a missing tool is a status with its hint. */
export async function checkTools(
  tools: readonly ToolName[],
  check: CheckCommand = runCheck,
): Promise<ToolStatus[]> {
  const statuses: ToolStatus[] = [];
  for (const tool of [...new Set(tools)]) {
    let status: ToolStatus | undefined;
    for (const step of TOOLS[tool].checks as readonly ToolCheck[]) {
      const result = await check(step.argv).catch(() => ({ code: 127, stdout: '', stderr: '' }));
      if (result.code !== 0) {
        status = { tool, ok: false, checked: shellLine(step.argv), hint: step.failure };
        break;
      }
      if (step.output && !result.stdout.includes(step.output.includes)) {
        status = { tool, ok: false, checked: shellLine(step.argv), hint: step.output.failure };
        break;
      }
      status = { tool, ok: true, checked: shellLine(step.argv) };
    }
    if (status) statuses.push(status);
  }
  return statuses;
}

/** The lines a person needs when something is missing: what, and how to install it. */
export function missingToolsMessage(
  statuses: readonly ToolStatus[],
  what: string,
): string | undefined {
  const missing = statuses.filter((status) => !status.ok);
  if (missing.length === 0) return undefined;
  const names = missing.map((status) => status.tool).join(', ');
  return [
    `${what} needs ${names}, missing on this machine:`,
    ...missing.map((status) => `  ${status.hint}`),
  ].join('\n');
}
