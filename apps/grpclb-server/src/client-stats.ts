import type { ClientStats__Output } from '@lab/proto';
import type { BalancerMetrics } from './metrics.js';

/** Everything one client (one BalanceLoad stream) has reported, summed. */
export interface ClientTotals {
  client: string;
  service: string;
  connectedAt: Date;
  endedAt: Date | undefined;
  reports: number;
  started: number;
  finished: number;
  failedToSend: number;
  knownReceived: number;
  /** Dropped calls by drop token. */
  dropped: Record<string, number>;
  lastReportAt: Date | undefined;
}

/** Ended clients whose series stay on /metrics; older ones are forgotten. */
export const KEPT_ENDED_CLIENTS = 100;

/**
 * Sums the ClientStats reports of each client (every counter in a report is
 * a delta since the previous one) into per-client totals and Prometheus
 * counters labelled by Service and client address. A client's series stay
 * after its stream ends, so the last reports are not lost to a scrape, until
 * KEPT_ENDED_CLIENTS newer clients have ended.
 */
export class ClientStatsBook {
  private readonly clients = new Map<string, ClientTotals>();

  constructor(private readonly metrics: BalancerMetrics) {}

  connect(client: string, service: string): ClientTotals {
    const totals: ClientTotals = {
      client,
      service,
      connectedAt: new Date(),
      endedAt: undefined,
      reports: 0,
      started: 0,
      finished: 0,
      failedToSend: 0,
      knownReceived: 0,
      dropped: {},
      lastReportAt: undefined,
    };
    this.forget(client);
    this.clients.set(client, totals);
    return totals;
  }

  record(totals: ClientTotals, report: ClientStats__Output): void {
    const labels = { service: totals.service, client: totals.client };
    const add = (value: number | undefined) => (value && value > 0 ? value : 0);
    const started = add(report.numCallsStarted);
    const finished = add(report.numCallsFinished);
    const failedToSend = add(report.numCallsFinishedWithClientFailedToSend);
    const knownReceived = add(report.numCallsFinishedKnownReceived);
    totals.reports++;
    totals.started += started;
    totals.finished += finished;
    totals.failedToSend += failedToSend;
    totals.knownReceived += knownReceived;
    totals.lastReportAt = new Date();
    this.metrics.reports.inc(labels);
    this.metrics.callsStarted.inc(labels, started);
    this.metrics.callsFinished.inc(labels, finished);
    this.metrics.callsFailedToSend.inc(labels, failedToSend);
    this.metrics.callsKnownReceived.inc(labels, knownReceived);
    for (const drop of report.callsFinishedWithDrop ?? []) {
      const n = add(drop.numCalls);
      const token = drop.loadBalanceToken;
      totals.dropped[token] = (totals.dropped[token] ?? 0) + n;
      this.metrics.callsDropped.inc({ ...labels, token }, n);
    }
  }

  end(totals: ClientTotals): void {
    totals.endedAt = new Date();
    const ended = [...this.clients.values()].filter((c) => c.endedAt !== undefined);
    for (const old of ended.slice(0, Math.max(0, ended.length - KEPT_ENDED_CLIENTS))) {
      this.forget(old.client);
    }
  }

  /** A snapshot, oldest client first. */
  all(): ClientTotals[] {
    return [...this.clients.values()].map((c) => ({ ...c, dropped: { ...c.dropped } }));
  }

  private forget(client: string): void {
    const old = this.clients.get(client);
    if (!old) return;
    this.clients.delete(client);
    const labels = { service: old.service, client };
    for (const counter of [
      this.metrics.reports,
      this.metrics.callsStarted,
      this.metrics.callsFinished,
      this.metrics.callsFailedToSend,
      this.metrics.callsKnownReceived,
    ]) {
      counter.remove(labels);
    }
    for (const token of Object.keys(old.dropped)) {
      this.metrics.callsDropped.remove({ ...labels, token });
    }
  }
}
