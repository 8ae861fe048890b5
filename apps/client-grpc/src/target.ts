import { isIPv4, isIPv6 } from 'node:net';
import { UsageError } from '@lab/cli';
// The /target entry point imports nothing from grpc-js (see main.ts).
import {
  KubernetesTargetError,
  parseKubernetesTarget,
  TARGET_FORMS,
} from '@lab/resolver-kubernetes/target';

/** Same grammar as grpc-js's own parser: `scheme:[//authority/]path`. */
const URI = /^(?:([A-Za-z0-9+.-]+):)?(?:\/\/([^/]*)\/)?(.+)$/;

/**
 * Schemes grpc-js registers itself, the lab's `passthrough` and `kubernetes`,
 * and `xds` from @grpc/grpc-js-xds.
 */
export const BUILT_IN_SCHEMES = [
  'dns',
  'ipv4',
  'ipv6',
  'unix',
  'passthrough',
  'kubernetes',
  'xds',
] as const;

export interface ParsedTarget {
  /** The target as grpc-js will see it, with the default `dns` scheme made explicit. */
  target: string;
  scheme: string;
  authority: string | undefined;
  path: string;
}

/**
 * Checks a target before grpc-js sees it. grpc-js accepts almost any string
 * and only fails when it resolves, so a typo would show up as an endless run
 * of UNAVAILABLE; here it is a one-line error instead.
 */
export function parseTarget(text: string, extraSchemes: readonly string[] = []): ParsedTarget {
  const match = URI.exec(text.trim());
  if (!match) throw new UsageError(`bad target '${text}': empty`);
  const [, scheme, authority, path = ''] = match;
  const known = [...BUILT_IN_SCHEMES, ...extraSchemes];
  if (scheme === undefined || (!known.includes(scheme) && /^\d+$/.test(path))) {
    // `host:port` parses as scheme `host`; grpc-js then falls back to dns.
    const dnsPath = scheme === undefined ? path : `${scheme}:${path}`;
    checkHostPort(text, dnsPath);
    return { target: `dns:${dnsPath}`, scheme: 'dns', authority: undefined, path: dnsPath };
  }
  if (!known.includes(scheme)) {
    throw new UsageError(
      `bad target '${text}': unknown scheme '${scheme}' (known: ${known.join(', ')})`,
    );
  }
  switch (scheme) {
    case 'dns':
    case 'passthrough':
      checkHostPort(text, path);
      if (authority !== undefined && authority !== '') checkHostPort(text, authority);
      break;
    case 'ipv4':
    case 'ipv6':
      for (const entry of path.split(',')) checkIpPort(text, entry, scheme);
      break;
    case 'kubernetes':
      checkKubernetes(text, authority, path);
      break;
    case 'unix':
      break;
    case 'xds':
      // The name is looked up as a Listener by the control plane: any non-empty name.
      if (path === '') throw new UsageError(`bad target '${text}': xds: needs a listener name`);
      break;
  }
  return { target: text.trim(), scheme, authority: authority || undefined, path };
}

/** True when the target names its own DNS server (`dns://server:port/name`). */
export function namesDnsServer(target: ParsedTarget): boolean {
  return (target.scheme === 'dns' || target.scheme === 'passthrough') && !!target.authority;
}

function splitHostPort(hostPort: string): { host: string; port: string | undefined } {
  if (hostPort.startsWith('[')) {
    const end = hostPort.indexOf(']');
    const rest = hostPort.slice(end + 1);
    return { host: hostPort.slice(1, end), port: rest.startsWith(':') ? rest.slice(1) : undefined };
  }
  const colons = hostPort.split(':').length - 1;
  if (colons !== 1) return { host: hostPort, port: undefined };
  const [host = '', port] = hostPort.split(':');
  return { host, port };
}

function checkPort(text: string, port: string | undefined): void {
  if (port === undefined) return;
  if (!/^\d+$/.test(port) || Number(port) < 1 || Number(port) > 65535) {
    throw new UsageError(`bad target '${text}': port '${port}' is not in 1-65535`);
  }
}

function checkHostPort(text: string, hostPort: string): void {
  const { host, port } = splitHostPort(hostPort);
  if (host === '' || /[\s/]/.test(host)) {
    throw new UsageError(`bad target '${text}': '${hostPort}' is not host[:port]`);
  }
  checkPort(text, port);
}

function checkIpPort(text: string, entry: string, scheme: 'ipv4' | 'ipv6'): void {
  const { host, port } = splitHostPort(entry);
  const valid = scheme === 'ipv4' ? isIPv4(host) : isIPv6(host);
  if (!valid) throw new UsageError(`bad target '${text}': '${host}' is not an ${scheme} address`);
  checkPort(text, port);
}

function checkKubernetes(text: string, authority: string | undefined, path: string): void {
  try {
    parseKubernetesTarget({ authority, path });
  } catch (error) {
    if (!(error instanceof KubernetesTargetError)) throw error;
    throw new UsageError(`bad target '${text}': ${error.reason} (use ${TARGET_FORMS})`);
  }
}
