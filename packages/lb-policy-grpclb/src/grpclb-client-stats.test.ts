import { describe, expect, it } from 'vitest';
import { GrpclbClientStats } from './grpclb-client-stats.js';

describe('GrpclbClientStats', () => {
  it('reports deltas: a drop counts as started and finished, and its token is named', () => {
    const stats = new GrpclbClientStats();
    stats.callStarted();
    stats.callStarted();
    stats.callFinished({ failedToSend: false, knownReceived: true });
    stats.callDropped('shed');
    stats.callDropped('shed');
    stats.callStarted();
    stats.callFinished({ failedToSend: true, knownReceived: false });
    expect(stats.takeReport(new Date(1_700_000_000_250))).toEqual({
      timestamp: { seconds: 1_700_000_000, nanos: 250_000_000 },
      numCallsStarted: 5,
      numCallsFinished: 4,
      numCallsFinishedWithClientFailedToSend: 1,
      numCallsFinishedKnownReceived: 1,
      callsFinishedWithDrop: [{ loadBalanceToken: 'shed', numCalls: 2 }],
    });
    expect(stats.takeReport()).toMatchObject({ numCallsStarted: 0, callsFinishedWithDrop: [] });
  });

  it('sends one all-zero report, then nothing until there is news', () => {
    const stats = new GrpclbClientStats();
    expect(stats.takeReport()).toBeDefined();
    expect(stats.takeReport()).toBeUndefined();
    expect(stats.takeReport()).toBeUndefined();
    stats.callStarted();
    expect(stats.takeReport()?.numCallsStarted).toBe(1);
    expect(stats.takeReport()).toBeDefined();
    expect(stats.takeReport()).toBeUndefined();
  });
});
