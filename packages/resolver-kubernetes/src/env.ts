/**
 * Environment variables the kubernetes: resolver reads, all of them (see
 * docs/environment-variables.md). @kubernetes/client-node reads the same
 * ones when this file tells it which config to load.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

/** Kubeconfig file(s), `:`-separated; wins over everything but the channel's own path. */
export const KUBECONFIG_VAR = 'KUBECONFIG';
/** Set by the kubelet in every pod: the in-cluster API server. */
export const SERVICE_HOST_VAR = 'KUBERNETES_SERVICE_HOST';
export const SERVICE_PORT_VAR = 'KUBERNETES_SERVICE_PORT';

export type KubeconfigSource =
  | { kind: 'files'; paths: string[]; from: string }
  | { kind: 'in-cluster'; from: string }
  | { kind: 'none'; from: string };

/**
 * Which config to load: a kubeconfig named by KUBECONFIG, else the pod's
 * service account when running in a pod, else ~/.kube/config. (kubectl's
 * order, except that a pod's own identity beats a stray ~/.kube/config.)
 */
export function kubeconfigSource(env: NodeJS.ProcessEnv = process.env): KubeconfigSource {
  const listed = (env[KUBECONFIG_VAR] ?? '').split(delimiter).filter((path) => path !== '');
  if (listed.length > 0) return { kind: 'files', paths: listed, from: `${KUBECONFIG_VAR}` };
  if (env[SERVICE_HOST_VAR] && env[SERVICE_PORT_VAR]) {
    return { kind: 'in-cluster', from: 'the in-cluster service account' };
  }
  const home = join(homedir(), '.kube', 'config');
  if (existsSync(home)) return { kind: 'files', paths: [home], from: '~/.kube/config' };
  return {
    kind: 'none',
    from: `no ${KUBECONFIG_VAR}, not in a pod (${SERVICE_HOST_VAR} unset), no ~/.kube/config`,
  };
}
