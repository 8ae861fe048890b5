import { describe, expect, it } from 'vitest';
import type { CommandResult } from './command-plan.js';
import {
  type CheckCommand,
  checkTools,
  isToolName,
  KIND_TOOLS,
  kindToolsFor,
  missingToolsMessage,
} from './kind-prereqs.js';

/** A machine where the commands listed answer as given and everything else is not installed. */
function machine(answers: Record<string, number>): { check: CheckCommand; asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    check: async (argv): Promise<CommandResult> => {
      const line = argv.join(' ');
      asked.push(line);
      return { code: answers[line] ?? 127, stdout: '', stderr: '' };
    },
  };
}

const everything = {
  'docker --version': 0,
  'docker info --format {{.ServerVersion}}': 0,
  'kind version': 0,
  'kubectl version --client': 0,
};

describe('checkTools', () => {
  it('finds every tool on a machine that has them, checking docker’s engine too', async () => {
    const { check, asked } = machine(everything);
    const statuses = await checkTools(KIND_TOOLS, check);
    expect(statuses.every((status) => status.ok)).toBe(true);
    expect(asked).toEqual([
      'docker --version',
      'docker info --format {{.ServerVersion}}',
      'kind version',
      'kubectl version --client',
    ]);
    expect(missingToolsMessage(statuses, 'the kind runtime')).toBeUndefined();
  });

  it('tells a docker CLI without an engine from no docker at all', async () => {
    const noEngine = await checkTools(
      ['docker'],
      machine({ ...everything, 'docker info --format {{.ServerVersion}}': 1 }).check,
    );
    expect(noEngine).toEqual([
      {
        tool: 'docker',
        ok: false,
        checked: "docker info --format '{{.ServerVersion}}'",
        hint: 'docker: the CLI is installed but no engine answers `docker info`; start the Docker daemon (or Docker Desktop)',
      },
    ]);
    const { check, asked } = machine({});
    const none = await checkTools(['docker'], check);
    expect(none[0]?.hint).toBe(
      'docker: not found; install Docker Engine (https://docs.docker.com/engine/install/) or Docker Desktop',
    );
    // No engine check once the CLI itself is missing.
    expect(asked).toEqual(['docker --version']);
  });

  it('says how to install each missing tool, one line each', async () => {
    const { check } = machine({ 'docker --version': 0, 'kubectl version --client': 0 });
    const statuses = await checkTools(KIND_TOOLS, check);
    expect(missingToolsMessage(statuses, 'the kind runtime')).toBe(
      [
        'the kind runtime needs docker, kind, missing on this machine:',
        '  docker: the CLI is installed but no engine answers `docker info`; start the Docker daemon (or Docker Desktop)',
        '  kind: not found; install it: `go install sigs.k8s.io/kind@latest`, or a release binary (https://kind.sigs.k8s.io/docs/user/quick-start/#installation)',
      ].join('\n'),
    );
  });

  it('checks the extra tools a scenario names, once each', async () => {
    const { check, asked } = machine(everything);
    const statuses = await checkTools([...KIND_TOOLS, 'istioctl', 'kubectl'], check);
    expect(statuses.map((status) => status.tool)).toEqual([
      'docker',
      'kind',
      'kubectl',
      'istioctl',
    ]);
    expect(asked.filter((line) => line.startsWith('kubectl'))).toHaveLength(1);
    expect(statuses.at(-1)).toMatchObject({
      ok: false,
      hint: "istioctl: not found; install Istio 1.28.5's: `curl -L https://istio.io/downloadIstio | ISTIO_VERSION=1.28.5 sh -`, then put istio-1.28.5/bin on PATH",
    });
    expect(isToolName('linkerd')).toBe(true);
    expect(isToolName('helm')).toBe(false);
  });

  it('insists on the pinned mesh versions: another CLI would install another mesh', async () => {
    const answering =
      (stdout: string): CheckCommand =>
      async () => ({ code: 0, stdout, stderr: '' });
    const [pinned] = await checkTools(['istioctl'], answering('client version: 1.28.5\n'));
    expect(pinned).toMatchObject({ ok: true, checked: 'istioctl version --remote=false' });
    const [older] = await checkTools(['istioctl'], answering('client version: 1.24.0\n'));
    expect(older?.hint).toBe(
      'istioctl: not version 1.28.5, the Istio the lab pins (istioctl installs its own version); `curl -L https://istio.io/downloadIstio | ISTIO_VERSION=1.28.5 sh -`',
    );
    const [linkerd] = await checkTools(['linkerd'], answering('edge-26.9.3\n'));
    expect(linkerd).toMatchObject({ ok: true, checked: 'linkerd version --client --short' });
    const [missing] = await checkTools(['linkerd'], machine({}).check);
    expect(missing?.hint).toBe(
      "linkerd: not found; install Linkerd edge-26.9.3's CLI: `curl --proto =https -sSfL https://run.linkerd.io/install-edge | LINKERD2_VERSION=edge-26.9.3 sh`, then put ~/.linkerd2/bin on PATH",
    );
  });

  it("adds a scenario's tools to the kind basics, once each", () => {
    expect(kindToolsFor([])).toEqual(['docker', 'kind', 'kubectl']);
    expect(kindToolsFor(['linkerd', 'kubectl'])).toEqual(['docker', 'kind', 'kubectl', 'linkerd']);
  });

  it('counts a check that cannot even start as missing', async () => {
    const statuses = await checkTools(['kind'], async () => {
      throw new Error('spawn failed');
    });
    expect(statuses[0]?.ok).toBe(false);
  });
});
