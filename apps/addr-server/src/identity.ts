import { hostname, networkInterfaces } from 'node:os';
import type { AddrServerEnv } from './env.js';

export interface Identity {
  podName: string;
  podIp: string;
  nodeName: string;
  startTime: Date;
}

/**
 * Who this server says it is. Kubernetes passes the pod's own identity
 * through the downward API; without it (a laptop run), the hostname and the
 * address the server is bound to stand in, so every answer still names a
 * distinct backend.
 */
export function resolveIdentity(env: AddrServerEnv, bindAddress: string): Identity {
  return {
    podName: env.podName ?? hostname(),
    podIp: env.podIp ?? addressFor(bindAddress),
    nodeName: env.nodeName ?? hostname(),
    startTime: new Date(),
  };
}

function addressFor(bindAddress: string): string {
  if (bindAddress !== '0.0.0.0' && bindAddress !== '::') return bindAddress;
  for (const addresses of Object.values(networkInterfaces())) {
    const external = addresses?.find((a) => a.family === 'IPv4' && !a.internal);
    if (external) return external.address;
  }
  return '127.0.0.1';
}
