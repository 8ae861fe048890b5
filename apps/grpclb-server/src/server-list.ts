import type { LbServer } from '@lab/proto';
import type { MergedEndpoints } from '@lab/resolver-kubernetes';
import ipaddr from 'ipaddr.js';

/** The protocol asks for tokens under 50 bytes. */
export const MAX_TOKEN_BYTES = 49;

/** Longest list a drop rule may produce before its share is rounded. */
export const MAX_LIST_ENTRIES = 1000;

export interface Backend {
  host: string;
  port: number;
  /** The pod's name when the slice names one, else `ip:port`: readable in a server's logs. */
  token: string;
}

/** A share of calls the clients must drop for one Service, counted under `token`. */
export interface DropShare {
  percent: number;
  token: string;
}

/** One backend per endpoint (its first address), in the merged order. */
export function backendsOf(merged: MergedEndpoints): Backend[] {
  const backends: Backend[] = [];
  for (const endpoint of merged.endpoints) {
    const address = endpoint.addresses[0];
    if (!address || !ipaddr.isValid(address.host)) continue;
    backends.push({
      host: address.host,
      port: address.port,
      token: truncateToken(endpoint.pod ?? `${address.host}:${address.port}`),
    });
  }
  return backends;
}

/** The address as the wire wants it: 4 or 16 bytes, network byte order. */
export function ipBytes(host: string): Buffer {
  return Buffer.from(ipaddr.parse(host).toByteArray());
}

/**
 * The server list for `backends`, with drop entries spread evenly among them
 * when a drop share applies. Clients take the list round robin, drop entries
 * included (C-core and Go both do), so a share p needs D drops among N
 * entries with D/N = p, every backend the same number of times: the smallest
 * such list is used, up to MAX_LIST_ENTRIES, past which the share is rounded.
 */
export function buildServerList(backends: readonly Backend[], drop?: DropShare): LbServer[] {
  const entries = backends.map(
    (b): LbServer => ({ ipAddress: ipBytes(b.host), port: b.port, loadBalanceToken: b.token }),
  );
  if (!drop || drop.percent <= 0) return entries;
  const dropEntry: LbServer = { loadBalanceToken: drop.token, drop: true };
  if (drop.percent >= 100) return [dropEntry];
  if (entries.length === 0) return [];
  const { repeats, drops } = dropLayout(entries.length, drop.percent);
  const total = repeats * entries.length + drops;
  const list: LbServer[] = [];
  let next = 0;
  for (let k = 0; k < total; k++) {
    // Bresenham: a drop wherever the running share of drops steps up.
    const isDrop = Math.floor(((k + 1) * drops) / total) > Math.floor((k * drops) / total);
    if (isDrop) list.push(dropEntry);
    else {
      list.push(entries[next % entries.length]!);
      next++;
    }
  }
  return list;
}

/** How many times to repeat the backends and how many drops to add for `percent`. */
export function dropLayout(backends: number, percent: number): { repeats: number; drops: number } {
  // percent = a / b in lowest terms (two decimals kept).
  let a = Math.round(percent * 100);
  let b = 10_000;
  const g = gcd(a, b);
  a /= g;
  b /= g;
  // N = r·B·b/(b−a) must be whole; gcd(b−a, b) = 1, so r = (b−a)/gcd(b−a, B).
  const repeats = (b - a) / gcd(b - a, backends);
  const exactTotal = (repeats * backends * b) / (b - a);
  if (exactTotal <= MAX_LIST_ENTRIES) return { repeats, drops: exactTotal - repeats * backends };
  const rounded = Math.max(1, Math.floor((MAX_LIST_ENTRIES * (b - a)) / (backends * b)));
  return { repeats: rounded, drops: Math.round((rounded * backends * a) / (b - a)) };
}

function gcd(x: number, y: number): number {
  return y === 0 ? x : gcd(y, x % y);
}

function truncateToken(token: string): string {
  let out = token;
  while (Buffer.byteLength(out) > MAX_TOKEN_BYTES) out = out.slice(0, -1);
  return out;
}
