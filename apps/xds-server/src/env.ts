/**
 * Environment variables xds-server reads itself (see
 * docs/environment-variables.md). The Kubernetes config comes from
 * @lab/resolver-kubernetes, which reads KUBECONFIG and the in-cluster
 * variables.
 */
export interface XdsServerEnv {
  /** The pod's namespace from the downward API: `--service` names without a namespace are there. */
  podNamespace: string | undefined;
  /** The pod's name, as the control plane's identifier in responses and logs. */
  podName: string | undefined;
}

export function readEnv(env: NodeJS.ProcessEnv = process.env): XdsServerEnv {
  return { podNamespace: env.POD_NAMESPACE || undefined, podName: env.POD_NAME || undefined };
}
