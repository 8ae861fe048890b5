import { describe, expect, it } from 'vitest';
import { kubeconfigSource } from './env.js';

describe('kubeconfigSource', () => {
  it('takes every file KUBECONFIG lists, first', () => {
    expect(
      kubeconfigSource({ KUBECONFIG: 'a.yaml:b.yaml', KUBERNETES_SERVICE_HOST: '10.96.0.1' }),
    ).toEqual({ kind: 'files', paths: ['a.yaml', 'b.yaml'], from: 'KUBECONFIG' });
  });

  it('uses the in-cluster service account in a pod', () => {
    expect(
      kubeconfigSource({ KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' })
        .kind,
    ).toBe('in-cluster');
  });

  it('falls back to ~/.kube/config, or says there is nothing', () => {
    const source = kubeconfigSource({ KUBECONFIG: '' });
    expect(['files', 'none']).toContain(source.kind);
    if (source.kind === 'none') expect(source.from).toMatch(/no KUBECONFIG, not in a pod/);
    else expect(source.from).toBe('~/.kube/config');
  });
});
