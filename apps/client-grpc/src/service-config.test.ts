import { describe, expect, it } from 'vitest';
import { serviceConfigFor } from './service-config.js';

describe('serviceConfigFor', () => {
  it('puts the policy in loadBalancingConfig, where grpc-js reads it', () => {
    expect(JSON.parse(serviceConfigFor('round_robin'))).toEqual({
      loadBalancingConfig: [{ round_robin: {} }],
    });
  });

  it('gives grpclb an address list for ip:port, and a target for a grpc-js target', () => {
    const byAddress = JSON.parse(
      serviceConfigFor('grpclb', {
        balancer: '127.0.20.1:9000',
        serviceName: 'addr-server.grpc-lb:grpc',
        fallbackTimeoutMs: 2500,
      }),
    );
    expect(byAddress.loadBalancingConfig[0].grpclb).toEqual({
      serviceName: 'addr-server.grpc-lb:grpc',
      balancerAddresses: ['127.0.20.1:9000'],
      fallbackTimeout: '2.5s',
    });
    const byTarget = JSON.parse(
      serviceConfigFor('grpclb', {
        balancer: 'dns:///grpclb.grpc-lb.svc.cluster.local:9000',
        serviceName: 'addr-server.grpc-lb:grpc',
      }),
    );
    expect(byTarget.loadBalancingConfig[0].grpclb).toEqual({
      serviceName: 'addr-server.grpc-lb:grpc',
      balancerTarget: 'dns:///grpclb.grpc-lb.svc.cluster.local:9000',
    });
  });

  it('takes host:port for an address, not a scheme', () => {
    const config = JSON.parse(
      serviceConfigFor('grpclb', { balancer: 'localhost:9000', serviceName: 'addr-server' }),
    );
    expect(config.loadBalancingConfig[0].grpclb.balancerAddresses).toEqual(['localhost:9000']);
  });

  it('refuses grpclb without its options', () => {
    expect(() => serviceConfigFor('grpclb')).toThrow('needs a balancer');
  });
});
