/**
 * The response header (gRPC: initial metadata) in which a proxy on the way
 * names itself; the node-proxy scenario's Envoy puts its node's name there.
 * Clients count successful calls per value (`proxies` in a window line).
 */
export const PROXY_HEADER = 'x-lab-proxy';

/**
 * The proxy identity from the header's values as a client library hands
 * them over: a string, a list, or joined with commas (HTTP's way of folding
 * repeated headers). With several, the last one counts: a proxy appends
 * after what the hops behind it wrote, so the last is the one nearest the
 * client. Undefined when no proxy named itself.
 */
export function proxyIdentity(
  values: string | readonly (string | Buffer)[] | undefined,
): string | undefined {
  const list = typeof values === 'string' ? [values] : (values ?? []);
  const names = list
    .flatMap((value) => (typeof value === 'string' ? value : value.toString('utf8')).split(','))
    .map((name) => name.trim())
    .filter((name) => name !== '');
  return names.at(-1);
}
