import { describe, expect, it } from 'vitest';
import { GrpclbConfig } from './grpclb-config.js';

const base = { serviceName: 'addr-server.grpc-lb:grpc' };

describe('GrpclbConfig.createFromJson', () => {
  it('has the documented defaults: round_robin child, 10 s fallback, 1 s to 120 s backoff', () => {
    const config = GrpclbConfig.createFromJson({ ...base, balancerAddresses: ['127.0.0.1:9000'] });
    expect(config.serviceName).toBe('addr-server.grpc-lb:grpc');
    expect(config.balancerTarget).toBe('ipv4:127.0.0.1:9000');
    expect(config.childPolicy.getLoadBalancerName()).toBe('round_robin');
    expect([config.fallbackTimeoutMs, config.initialBackoffMs, config.maxBackoffMs]).toEqual([
      10_000, 1000, 120_000,
    ]);
    expect(config.toJsonObject()).toEqual({
      grpclb: { ...base, balancerAddresses: ['127.0.0.1:9000'] },
    });
  });

  it.each([
    [['127.0.0.1:9000', '127.0.0.2:9000'], 'ipv4:127.0.0.1:9000,127.0.0.2:9000'],
    [['[::1]:9000'], 'ipv6:[::1]:9000'],
    [['grpclb.grpc-lb.svc.cluster.local:9000'], 'dns:///grpclb.grpc-lb.svc.cluster.local:9000'],
  ])('turns balancerAddresses %j into the target %s', (balancerAddresses, target) => {
    expect(GrpclbConfig.createFromJson({ ...base, balancerAddresses }).balancerTarget).toBe(target);
  });

  it('takes any target as balancerTarget, durations as protobuf JSON, and a child policy list', () => {
    const config = GrpclbConfig.createFromJson({
      ...base,
      balancerTarget: 'dns:///grpclb:9000',
      fallbackTimeout: '1.5s',
      initialBackoff: '0.1s',
      maxBackoff: '2s',
      childPolicy: [{ no_such_policy: {} }, { pick_first: {} }],
    });
    expect(config.balancerTarget).toBe('dns:///grpclb:9000');
    expect([config.fallbackTimeoutMs, config.initialBackoffMs, config.maxBackoffMs]).toEqual([
      1500, 100, 2000,
    ]);
    expect(config.childPolicy.getLoadBalancerName()).toBe('pick_first');
  });

  it.each([
    [{}, /serviceName is required/],
    [{ ...base }, /balancerAddresses .* or balancerTarget .* is required/],
    [{ ...base, balancerAddresses: ['nope'] }, /'nope' is not host:port/],
    [{ ...base, balancerAddresses: ['a:1', 'b:1'] }, /all IPv4, all IPv6, or one name/],
    [{ ...base, balancerTarget: 'x', balancerAddresses: ['1.2.3.4:1'] }, /not both/],
    [{ ...base, balancerTarget: 'x', fallbackTimeout: 10 }, /fallbackTimeout must be a duration/],
    [
      { ...base, balancerTarget: 'x', childPolicy: [{ grpclb: {} }] },
      /names no policy|cannot be grpclb/,
    ],
    [{ ...base, balancerTarget: 'x', serverName: 'typo' }, /unknown key 'serverName'/],
    [
      { ...base, balancerTarget: 'x', initialBackoff: '5s', maxBackoff: '1s' },
      /maxBackoff is less/,
    ],
  ])('refuses %j', (json, why) => {
    expect(() => GrpclbConfig.createFromJson(json)).toThrow(why);
  });
});
