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
