/** Environment variables client-http reads. */

/**
 * The node the client runs on: on Kubernetes the downward API's
 * `spec.nodeName`. Every window line carries it as `node`, so that calls
 * through a proxy can be judged node-local or not.
 */
export const NODE_NAME_VAR = 'NODE_NAME';

/** Undefined when unset or empty: the windows then say nothing about the node. */
export function clientNode(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env[NODE_NAME_VAR] || undefined;
}
