import { describe, expect, it } from 'vitest';
import type { KubeObject } from './kube-object.js';
import { envoyBootstraps, envoyViolations } from './policy-envoy.js';
import { formatViolation } from './policy-violation.js';

const configMap = (yaml: string, name = 'envoy'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'bootstrap', namespace: 'lab', labels: { 'app.kubernetes.io/name': name } },
  data: { 'envoy.yaml': yaml, 'notes.txt': 'not a bootstrap' },
});

const admin = (address: string) =>
  `admin:\n  address:\n    socket_address: { address: ${address}, port_value: 9901 }\n`;

describe('envoyViolations', () => {
  it('passes a bootstrap that decodes, with admin on loopback', () => {
    expect(envoyViolations([configMap(admin('127.0.0.1'))])).toEqual([]);
  });

  it('names the ConfigMap, its key and the field Envoy would refuse', () => {
    expect(
      envoyViolations([configMap(`${admin('127.0.0.1')}statik_resources: {}\n`)]).map(
        formatViolation,
      ),
    ).toEqual([
      '[envoy] ConfigMap/lab/bootstrap data["envoy.yaml"].statik_resources: unknown field in envoy.config.bootstrap.v3.Bootstrap',
    ]);
  });

  it('refuses an admin API on every address', () => {
    expect(envoyViolations([configMap(admin('0.0.0.0'))]).map(formatViolation)).toEqual([
      '[envoy] ConfigMap/lab/bootstrap data["envoy.yaml"].admin.address.socket_address.address: must be 127.0.0.1: the admin API can stop Envoy',
    ]);
  });

  it('looks only at ConfigMaps labelled as Envoy’s, and only at their *.yaml keys', () => {
    expect(envoyBootstraps([configMap('x: 1', 'other')])).toEqual([]);
    expect(envoyBootstraps([configMap('x: 1')]).map((b) => b.key)).toEqual(['envoy.yaml']);
  });
});
