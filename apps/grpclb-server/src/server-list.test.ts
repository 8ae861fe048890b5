import { describe, expect, it } from 'vitest';
import { parseDropRule } from './drop-rules.js';
import { type Backend, buildServerList, dropLayout, ipBytes } from './server-list.js';

const backends = (n: number): Backend[] =>
  Array.from({ length: n }, (_, i) => ({
    host: `10.0.0.${i + 1}`,
    port: 50051,
    token: `pod-${i + 1}`,
  }));

describe('ipBytes', () => {
  it('writes IPv4 as 4 bytes and IPv6 as 16, network byte order', () => {
    expect([...ipBytes('127.0.20.3')]).toEqual([127, 0, 20, 3]);
    expect([...ipBytes('fd00::1:2')]).toEqual([0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 2]);
    expect([...ipBytes('::ffff:1.2.3.4')].slice(10)).toEqual([0xff, 0xff, 1, 2, 3, 4]);
  });
});

describe('buildServerList', () => {
  it('lists every backend once, with its token, when nothing is dropped', () => {
    const list = buildServerList(backends(2));
    expect(list.map((s) => [s.port, s.loadBalanceToken, s.drop ?? false])).toEqual([
      [50051, 'pod-1', false],
      [50051, 'pod-2', false],
    ]);
  });

  it.each([
    [3, 25],
    [3, 10],
    [4, 50],
    [2, 33.33],
  ])(
    'with %i backends and %f %% drops, drops exactly that share, backends equally',
    (n, percent) => {
      const list = buildServerList(backends(n), { percent, token: 'shed' });
      const drops = list.filter((s) => s.drop).length;
      expect(list.length).toBeLessThanOrEqual(1000);
      expect(Math.abs(drops / list.length - percent / 100)).toBeLessThan(0.005);
      const perBackend = backends(n).map(
        (b) => list.filter((s) => s.loadBalanceToken === b.token).length,
      );
      expect(new Set(perBackend).size).toBe(1);
      expect(list.filter((s) => s.drop).every((s) => s.loadBalanceToken === 'shed')).toBe(true);
    },
  );

  it('spreads drops out rather than bunching them', () => {
    const list = buildServerList(backends(3), { percent: 25, token: 'd' });
    expect(list.map((s) => (s.drop ? 'D' : 'B')).join('')).toBe('BBBD');
    const ten = buildServerList(backends(1), { percent: 20, token: 'd' });
    expect(ten.map((s) => (s.drop ? 'D' : 'B')).join('')).toBe('BBBBD');
  });

  it('drops everything at 100 % and sends nothing to drop when there are no backends', () => {
    expect(buildServerList(backends(3), { percent: 100, token: 'all' })).toEqual([
      { loadBalanceToken: 'all', drop: true },
    ]);
    expect(buildServerList([], { percent: 100, token: 'all' })).toHaveLength(1);
    expect(buildServerList([], { percent: 50, token: 'half' })).toEqual([]);
  });

  it('rounds a share that would need a very long list', () => {
    expect(dropLayout(7, 0.01)).toEqual({ repeats: 142, drops: 0 });
    expect(dropLayout(3, 1)).toEqual({ repeats: 33, drops: 1 });
  });
});

describe('parseDropRule', () => {
  it('reads service, percentage and token', () => {
    expect(parseDropRule('addr-server.grpc-lb=25:shed', 'default')).toEqual({
      key: 'grpc-lb/addr-server',
      percent: 25,
      token: 'shed',
    });
    expect(parseDropRule('addr-server:grpc=12.5%', 'team')).toEqual({
      key: 'team/addr-server',
      percent: 12.5,
      token: 'drop',
    });
  });

  it.each([
    ['addr-server', /is not <service>=<percent>/],
    ['addr-server=abc', /not a percentage/],
    ['addr-server=101', /over 100/],
    ['addr-server=5:has space', /printable/],
    ['Bad_Name=5', /not a Service name/],
  ])('refuses %j', (text, why) => {
    expect(() => parseDropRule(text, 'default')).toThrow(why);
  });
});
