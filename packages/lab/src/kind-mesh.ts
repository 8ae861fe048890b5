import { type CommandRunner, shellLine } from './command-plan.js';

/**
 * The service meshes a kind scenario can ask for (`mesh:` in scenario.yaml),
 * each at the version the lab pins. The CLI installs its own version of the
 * control plane, so the prerequisite check insists on these versions: a
 * different CLI would install a different mesh than the README describes.
 */
export const MESHES = {
  istio: {
    tool: 'istioctl',
    version: '1.28.5',
    install: 'curl -L https://istio.io/downloadIstio | ISTIO_VERSION=1.28.5 sh -',
  },
  linkerd: {
    tool: 'linkerd',
    version: 'edge-26.9.3',
    install:
      'curl --proto =https -sSfL https://run.linkerd.io/install-edge | LINKERD2_VERSION=edge-26.9.3 sh',
  },
} as const;

export type MeshName = keyof typeof MESHES;

/**
 * Linkerd's `install --crds` refuses to run until the Gateway API CRDs are
 * there (its routes build on them); this is the release its message names.
 */
export const GATEWAY_API_CRDS =
  'https://github.com/kubernetes-sigs/gateway-api/releases/download/v1.4.0/standard-install.yaml';

const MESH_TIMEOUT = '300s';

/** A pipeline as one command, failing if either side fails (plain sh has no pipefail). */
function pipeline(left: readonly string[], right: readonly string[]): string[] {
  return ['bash', '-o', 'pipefail', '-c', `${shellLine(left)} | ${shellLine(right)}`];
}

/**
 * Installs the mesh on the cluster behind `context`, if it is not there yet,
 * and waits until its control plane answers. The mesh stays installed after
 * the run, like the cluster: `pnpm lab down` removes both. Which namespace is
 * meshed is the scenario's own business: its kustomization labels or
 * annotates the namespace, which every run recreates.
 */
export async function installMesh(
  runner: CommandRunner,
  mesh: MeshName,
  context: string,
): Promise<void> {
  const { version } = MESHES[mesh];
  const kubectl = (...args: string[]) => ['kubectl', '--context', context, ...args];
  if (mesh === 'istio') {
    runner.note(
      `Istio ${version}, minimal profile (istiod only, no gateways); istioctl install is idempotent, so a reused cluster is fine`,
    );
    await runner.run([
      'istioctl',
      'install',
      '--context',
      context,
      '--set',
      'profile=minimal',
      '-y',
    ]);
    await runner.run(
      kubectl(
        '-n',
        'istio-system',
        'rollout',
        'status',
        'deployment/istiod',
        `--timeout=${MESH_TIMEOUT}`,
      ),
    );
    runner.note(
      "the scenario's namespace carries istio-injection=enabled (its kustomization), so its pods get a sidecar",
    );
    return;
  }
  runner.note(
    `Linkerd ${version}: installed once per cluster (a second install would issue a new trust anchor under running proxies)`,
  );
  await runner.unless(
    {
      argv: kubectl('get', 'namespace', 'linkerd', '--ignore-not-found', '-o', 'name'),
      what: 'the output names namespace/linkerd',
      holds: (result) => result.code === 0 && result.stdout.trim() === 'namespace/linkerd',
    },
    async () => {
      await runner.run(kubectl('apply', '--server-side', '-f', GATEWAY_API_CRDS));
      await runner.run(
        pipeline(
          ['linkerd', '--context', context, 'install', '--crds'],
          kubectl('apply', '-f', '-'),
        ),
      );
      await runner.run(
        pipeline(['linkerd', '--context', context, 'install'], kubectl('apply', '-f', '-')),
      );
    },
  );
  await runner.run(['linkerd', '--context', context, 'check', `--wait=${MESH_TIMEOUT}`]);
  runner.note(
    "the scenario's namespace carries linkerd.io/inject: enabled (its kustomization), so its pods get a proxy",
  );
}
