/** Environment variables client-grpc reads or sets. */

/**
 * grpc-js reads this once, when it is first imported, and only then uses
 * the c-ares resolver that honours the DNS server in `dns://server:port/name`
 * targets; the default `dns.lookup` ignores it. main.ts sets it before
 * importing grpc-js whenever the target names a DNS server.
 */
export const ALTERNATIVE_RESOLVER_VAR = 'GRPC_NODE_USE_ALTERNATIVE_RESOLVER';

export function alternativeResolverEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[ALTERNATIVE_RESOLVER_VAR] === 'true';
}

export function enableAlternativeResolver(env: NodeJS.ProcessEnv = process.env): void {
  env[ALTERNATIVE_RESOLVER_VAR] = 'true';
}

/**
 * The node the client runs on: on Kubernetes the downward API's
 * `spec.nodeName`, on the local runtime the lab's. Every window line carries
 * it as `node`, so that calls through a proxy can be judged node-local or not.
 */
export const NODE_NAME_VAR = 'NODE_NAME';

/** Undefined when unset or empty: the windows then say nothing about the node. */
export function clientNode(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env[NODE_NAME_VAR] || undefined;
}
