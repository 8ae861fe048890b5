import { parse } from 'yaml';
import { envoyBootstrapIssues } from './envoy-config-decode.js';
import { isRecord, type KubeObject, objectRef } from './kube-object.js';
import { NAME_LABEL } from './policy-labels.js';
import type { Violation } from './policy-violation.js';

/** An Envoy bootstrap carried by a ConfigMap, as the Envoy containers mount it. */
export interface EnvoyBootstrap {
  /** `ConfigMap/grpc-lb/envoy-bootstrap-envoy-<hash>` */
  object: string;
  /** The data key: the file name Envoy reads. */
  key: string;
  text: string;
}

/** ConfigMaps labelled app.kubernetes.io/name=envoy hold bootstraps, one per `*.yaml` key. */
export function envoyBootstraps(objects: readonly KubeObject[]): EnvoyBootstrap[] {
  return objects
    .filter((o) => o.kind === 'ConfigMap' && o.metadata.labels?.[NAME_LABEL] === 'envoy')
    .flatMap((o) =>
      Object.entries(isRecord(o.data) ? o.data : {})
        .filter(([key, text]) => key.endsWith('.yaml') && typeof text === 'string')
        .map(([key, text]) => ({ object: objectRef(o), key, text: text as string })),
    );
}

const LOOPBACK = '127.0.0.1';

/**
 * Envoy bootstraps load in Envoy (its v3 protos, unknown fields rejected:
 * envoy-config-decode.ts), so a typo fails here and not in a crash-looping
 * pod; and the admin API listens on loopback only, since anyone who reaches
 * it can drain or stop Envoy.
 */
export function envoyViolations(objects: readonly KubeObject[]): Violation[] {
  const violations: Violation[] = [];
  for (const { object, key, text } of envoyBootstraps(objects)) {
    const add = (path: string, message: string) =>
      violations.push({
        rule: 'envoy',
        object,
        path: `data["${key}"]${path ? `.${path}` : ''}`,
        message,
      });
    for (const issue of envoyBootstrapIssues(text)) add(issue.path, issue.message);
    const config: unknown = (() => {
      try {
        return parse(text);
      } catch {
        return undefined;
      }
    })();
    const admin = isRecord(config) && isRecord(config.admin) ? config.admin : undefined;
    const socket =
      admin && isRecord(admin.address) && isRecord(admin.address.socket_address)
        ? admin.address.socket_address
        : undefined;
    if (admin && socket?.address !== LOOPBACK) {
      add(
        'admin.address.socket_address.address',
        `must be ${LOOPBACK}: the admin API can stop Envoy`,
      );
    }
  }
  return violations;
}
