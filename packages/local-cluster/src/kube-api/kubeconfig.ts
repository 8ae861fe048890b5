/** The name of the kubeconfig's one cluster, user and context. */
export const KUBECONFIG_NAME = 'grpc-lb-lab';

/**
 * A kubeconfig for a plain-HTTP API server on loopback: one cluster, user
 * and context, all named grpc-lb-lab. Every scalar is written as a JSON
 * string, which YAML reads as a double-quoted scalar, so no value can break
 * the document; this fixed shape needs no YAML library.
 */
export function kubeconfigYaml(server: string, namespace?: string): string {
  const q = JSON.stringify;
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${q(KUBECONFIG_NAME)}`,
    '  cluster:',
    `    server: ${q(server)}`,
    // client-node refuses a plain-HTTP server unless TLS verification is off;
    // kubectl ignores the flag for HTTP.
    '    insecure-skip-tls-verify: true',
    'users:',
    `- name: ${q(KUBECONFIG_NAME)}`,
    '  user: {}',
    'contexts:',
    `- name: ${q(KUBECONFIG_NAME)}`,
    '  context:',
    `    cluster: ${q(KUBECONFIG_NAME)}`,
    `    user: ${q(KUBECONFIG_NAME)}`,
    ...(namespace ? [`    namespace: ${q(namespace)}`] : []),
    `current-context: ${q(KUBECONFIG_NAME)}`,
    'preferences: {}',
    '',
  ].join('\n');
}
