import { experimental, Metadata } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { decodeServerList } from './grpclb-balancer-stream.js';
import { GrpclbClientStats } from './grpclb-client-stats.js';
import { DROP_DETAILS, GrpclbPicker, LB_TOKEN_KEY } from './grpclb-picker.js';

const { PickResultType } = experimental;

/** A child picker that always picks the subchannel at `address`. */
function childPicking(address: string): experimental.Picker {
  const subchannel = { getAddress: () => address } as unknown as experimental.SubchannelInterface;
  return {
    pick: () => ({
      pickResultType: PickResultType.COMPLETE,
      subchannel,
      status: null,
      onCallStarted: null,
      onCallEnded: null,
    }),
  };
}

const list = decodeServerList([
  { ipAddress: Buffer.from([10, 0, 0, 1]), port: 50051, loadBalanceToken: 'pod-1', drop: false },
  { ipAddress: Buffer.alloc(0), port: 0, loadBalanceToken: 'shed', drop: true },
  { ipAddress: Buffer.from([1, 2, 3]), port: 1, loadBalanceToken: 'bad', drop: false },
  {
    ipAddress: Buffer.from([0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7]),
    port: 443,
    loadBalanceToken: 'pod-6',
    drop: false,
  },
]);

describe('decodeServerList', () => {
  it('decodes 4- and 16-byte addresses, keeps drops, and skips malformed entries', () => {
    expect(list.text).toBe('10.0.0.1:50051/pod-1 drop/shed [fd00:0:0:0:0:0:0:7]:443/pod-6');
    expect(list.endpoints()).toEqual([
      { addresses: [{ host: '10.0.0.1', port: 50051 }] },
      { addresses: [{ host: 'fd00:0:0:0:0:0:0:7', port: 443 }] },
    ]);
    expect(list.allDrops).toBe(false);
  });
});

describe('GrpclbPicker', () => {
  it('adds the picked backend its token as lb-token initial metadata', () => {
    const picker = new GrpclbPicker(
      childPicking('10.0.0.1:50051'),
      undefined,
      list.tokens,
      undefined,
    );
    const metadata = new Metadata();
    const result = picker.pick({ metadata, extraPickInfo: {} });
    expect(result.pickResultType).toBe(PickResultType.COMPLETE);
    expect(metadata.get(LB_TOKEN_KEY)).toEqual(['pod-1']);
  });

  it('takes the drop turns of the list in order and counts each drop under its token', () => {
    const stats = new GrpclbClientStats();
    const fresh = decodeServerList([
      { ipAddress: Buffer.from([10, 0, 0, 1]), port: 1, loadBalanceToken: 'a', drop: false },
      { ipAddress: Buffer.alloc(0), port: 0, loadBalanceToken: 'shed', drop: true },
    ]);
    const picker = new GrpclbPicker(childPicking('10.0.0.1:1'), fresh, fresh.tokens, stats);
    const kinds = Array.from({ length: 6 }, () => {
      const r = picker.pick({ metadata: new Metadata(), extraPickInfo: {} });
      if (r.pickResultType === PickResultType.DROP) expect(r.status?.details).toBe(DROP_DETAILS);
      return r.pickResultType === PickResultType.DROP ? 'drop' : 'pick';
    });
    expect(kinds).toEqual(['pick', 'drop', 'pick', 'drop', 'pick', 'drop']);
    expect(stats.takeReport()?.callsFinishedWithDrop).toEqual([
      { loadBalanceToken: 'shed', numCalls: 3 },
    ]);
  });

  it('does no drops when given no list for them (child not READY): a queued pick is retried', () => {
    const queue: experimental.Picker = {
      pick: () => ({
        pickResultType: PickResultType.QUEUE,
        subchannel: null,
        status: null,
        onCallStarted: null,
        onCallEnded: null,
      }),
    };
    const picker = new GrpclbPicker(queue, undefined, list.tokens, new GrpclbClientStats());
    for (let i = 0; i < 4; i++) {
      expect(picker.pick({ metadata: new Metadata(), extraPickInfo: {} }).pickResultType).toBe(
        PickResultType.QUEUE,
      );
    }
  });
});
