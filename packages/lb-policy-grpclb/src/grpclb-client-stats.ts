import type { ClientStats } from '@lab/proto';

/** What the policy knows of one call when it ends. */
export interface CallOutcome {
  /** The call never left the client (no stream could be started, or the server refused it unseen). */
  failedToSend: boolean;
  /** The server sent response headers: it has certainly received the call. */
  knownReceived: boolean;
}

/**
 * Client-side load reporting for one balancer stream, as C-core and Go
 * count it: a drop is a call started and finished; every counter is sent as
 * a delta and reset; a report whose counters are all zero is sent once, and
 * then not again until something happens.
 */
export class GrpclbClientStats {
  private started = 0;
  private finished = 0;
  private failedToSend = 0;
  private knownReceived = 0;
  private drops = new Map<string, number>();
  private lastWasZero = false;

  callStarted(): void {
    this.started++;
  }

  callFinished(outcome: CallOutcome): void {
    this.finished++;
    if (outcome.failedToSend) this.failedToSend++;
    if (outcome.knownReceived) this.knownReceived++;
  }

  callDropped(token: string): void {
    this.started++;
    this.finished++;
    this.drops.set(token, (this.drops.get(token) ?? 0) + 1);
  }

  /** The report to send now, or undefined when it would repeat an all-zero one. */
  takeReport(now: Date = new Date()): ClientStats | undefined {
    const zero =
      this.started === 0 &&
      this.finished === 0 &&
      this.failedToSend === 0 &&
      this.knownReceived === 0 &&
      this.drops.size === 0;
    if (zero && this.lastWasZero) return undefined;
    this.lastWasZero = zero;
    const ms = now.getTime();
    const report: ClientStats = {
      timestamp: { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 },
      numCallsStarted: this.started,
      numCallsFinished: this.finished,
      numCallsFinishedWithClientFailedToSend: this.failedToSend,
      numCallsFinishedKnownReceived: this.knownReceived,
      callsFinishedWithDrop: [...this.drops].map(([loadBalanceToken, numCalls]) => ({
        loadBalanceToken,
        numCalls,
      })),
    };
    this.started = 0;
    this.finished = 0;
    this.failedToSend = 0;
    this.knownReceived = 0;
    this.drops = new Map();
    return report;
  }
}
