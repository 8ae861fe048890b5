/**
 * Environment variables grpclb-server reads itself (see
 * docs/environment-variables.md). The Kubernetes config comes from
 * @lab/resolver-kubernetes, which reads KUBECONFIG and the in-cluster
 * variables.
 */
export interface GrpclbServerEnv {
  /** The pod's namespace from the downward API: names without a namespace are looked up there. */
  podNamespace: string | undefined;
}

export function readEnv(env: NodeJS.ProcessEnv = process.env): GrpclbServerEnv {
  return { podNamespace: env.POD_NAMESPACE || undefined };
}
