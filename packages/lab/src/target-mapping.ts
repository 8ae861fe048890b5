import type { ScenarioClient } from './scenario-schema.js';

export interface ClusterNames {
  namespace: string;
  service: string;
  /** `<svc>.<ns>.svc.cluster.local` */
  fqdn: string;
  /** `address:port` of the cluster DNS server. */
  dnsServer: string;
  /** The Service's cluster IP, or undefined for a headless Service. */
  clusterIp: string | undefined;
}

/**
 * Maps a target written as a pod in the cluster would write it onto the
 * local runtime: grpc-js must be told which DNS server is the cluster's,
 * and an HTTP client (which uses the OS resolver) gets the Service's IP.
 */
export function mapTarget(client: ScenarioClient, names: ClusterNames): string {
  if (client.kind === 'grpc') {
    for (const scheme of ['dns', 'passthrough']) {
      const prefix = `${scheme}:///`;
      if (client.target.startsWith(prefix)) {
        return `${scheme}://${names.dnsServer}/${client.target.slice(prefix.length)}`;
      }
    }
    return client.target;
  }
  const url = new URL(client.target);
  const clusterNames = [names.service, `${names.service}.${names.namespace}`, names.fqdn];
  if (!clusterNames.includes(url.hostname)) return client.target;
  if (!names.clusterIp) {
    throw new Error(
      `client ${client.name}: ${url.hostname} is a headless Service; an HTTP client needs a ClusterIP or NodePort Service`,
    );
  }
  url.hostname = names.clusterIp;
  return url.toString().replace(/\/$/, '');
}
