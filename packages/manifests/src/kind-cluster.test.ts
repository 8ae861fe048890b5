import { describe, expect, it } from 'vitest';
import { readKindCluster } from './kind-cluster.js';

describe('k8s/kind/cluster.yaml', () => {
  it('is the grpc-lb cluster: one control-plane and two workers, so that nodes differ', () => {
    const cluster = readKindCluster();
    expect(cluster.name).toBe('grpc-lb');
    expect(cluster.nodes.map((node) => node.role)).toEqual(['control-plane', 'worker', 'worker']);
  });

  it('maps the NodePorts to the same ports on the host loopback only', () => {
    const mapped = readKindCluster().nodes.flatMap((node) => node.extraPortMappings ?? []);
    expect(mapped).toEqual([
      { containerPort: 30080, hostPort: 30080, listenAddress: '127.0.0.1', protocol: 'TCP' },
      { containerPort: 30051, hostPort: 30051, listenAddress: '127.0.0.1', protocol: 'TCP' },
    ]);
  });
});
