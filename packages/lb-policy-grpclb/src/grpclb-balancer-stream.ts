import {
  type ClientDuplexStream,
  credentials,
  experimental,
  type StatusObject,
} from '@grpc/grpc-js';
import {
  type LbServer__Output,
  type LoadBalanceRequest,
  type LoadBalanceResponse__Output,
  type LoadBalancerClient,
  loadGrpclbProto,
} from '@lab/proto';
import { GrpclbClientStats } from './grpclb-client-stats.js';
import { type ServerEntry, ServerListState } from './grpclb-picker.js';

export interface BalancerStreamOptions {
  target: string;
  serviceName: string;
  initialBackoffMs: number;
  maxBackoffMs: number;
}

export interface BalancerStreamEvents {
  serverList(list: ServerListState): void;
  fallback(): void;
  /** The stream ended; another one is on its way (now, or after the backoff). */
  ended(hadServerList: boolean, why: string): void;
}

/** C-core's floor on the report interval a balancer may ask for. */
export const MIN_REPORT_INTERVAL_MS = 1000;

/**
 * The channel to the balancer and the one BalanceLoad stream on it, started
 * again whenever it ends: at once if the balancer had answered on it (a
 * balancer restart or a drain should cost nothing), else after an
 * exponential backoff (C-core's rule). Load reports go on the stream that
 * delivered the server list in use.
 */
export class BalancerStream {
  private readonly client: LoadBalancerClient;
  private readonly backoff: experimental.BackoffTimeout;
  private call: ClientDuplexStream<LoadBalanceRequest, LoadBalanceResponse__Output> | undefined;
  private seenInitial = false;
  private seenList = false;
  private reportIntervalMs = 0;
  private reportTimer: NodeJS.Timeout | undefined;
  private clientStats: GrpclbClientStats | undefined;
  private closed = false;

  constructor(
    private readonly options: BalancerStreamOptions,
    private readonly events: BalancerStreamEvents,
    private readonly trace: (text: string) => void,
  ) {
    const Client = loadGrpclbProto().grpc.lb.v1.LoadBalancer;
    this.client = new Client(options.target, credentials.createInsecure(), {
      // The balancer channel reconnects at the same pace as the stream retries.
      'grpc.initial_reconnect_backoff_ms': options.initialBackoffMs,
      'grpc.max_reconnect_backoff_ms': options.maxBackoffMs,
    });
    this.backoff = new experimental.BackoffTimeout(() => this.start(), {
      initialDelay: options.initialBackoffMs,
      maxDelay: options.maxBackoffMs,
      multiplier: 1.6,
      jitter: 0.2,
    });
    this.backoff.unref();
  }

  /** Load reporting of the current stream, once it has delivered a list and reports are asked for. */
  get stats(): GrpclbClientStats | undefined {
    return this.clientStats;
  }

  /** True while the current stream has delivered a server list. */
  get hasServerList(): boolean {
    return this.seenList;
  }

  start(): void {
    if (this.closed || this.call) return;
    this.seenInitial = false;
    this.seenList = false;
    this.reportIntervalMs = 0;
    this.trace(`BalanceLoad to ${this.options.target} for '${this.options.serviceName}'`);
    const call = this.client.BalanceLoad();
    this.call = call;
    call.on('data', (message: LoadBalanceResponse__Output) => {
      if (this.call === call) this.onMessage(message);
    });
    call.on('status', (status: StatusObject) => {
      if (this.call === call) this.onEnd(status);
    });
    // Every failure also arrives as 'status'.
    call.on('error', () => {});
    call.write({ initialRequest: { name: this.options.serviceName } });
  }

  /** Retries now instead of waiting out the backoff. */
  resetBackoff(): void {
    this.backoff.reset();
    if (!this.call && !this.closed) {
      this.backoff.stop();
      this.start();
    }
  }

  close(): void {
    this.closed = true;
    this.stopReports();
    this.backoff.stop();
    const call = this.call;
    this.call = undefined;
    call?.cancel();
    this.client.close();
  }

  private onMessage(message: LoadBalanceResponse__Output): void {
    switch (message.loadBalanceResponseType) {
      case 'initialResponse': {
        if (this.seenInitial) {
          this.trace('a second initial_response: ignored');
          return;
        }
        this.seenInitial = true;
        const interval = message.initialResponse?.clientStatsReportInterval;
        const ms = interval
          ? experimental.durationToMs({ seconds: Number(interval.seconds), nanos: interval.nanos })
          : 0;
        this.reportIntervalMs = ms > 0 ? Math.max(MIN_REPORT_INTERVAL_MS, ms) : 0;
        this.trace(
          `initial_response: ${this.reportIntervalMs > 0 ? `load reports every ${this.reportIntervalMs} ms` : 'no load reports'}`,
        );
        return;
      }
      case 'serverList': {
        this.seenList = true;
        if (this.reportIntervalMs > 0 && !this.clientStats) {
          this.clientStats = new GrpclbClientStats();
          this.scheduleReport();
        }
        this.events.serverList(decodeServerList(message.serverList?.servers ?? [], this.trace));
        return;
      }
      case 'fallbackResponse':
        this.events.fallback();
        return;
      default:
        this.trace('a response with nothing set: ignored');
    }
  }

  private onEnd(status: StatusObject): void {
    const hadList = this.seenList;
    const answered = this.seenInitial;
    this.call = undefined;
    this.seenList = false;
    this.stopReports();
    const why = `BalanceLoad ended: ${status.code} ${status.details}`;
    if (!this.closed) {
      if (answered) {
        this.backoff.reset();
        this.trace(`${why}; the balancer had answered: new stream now`);
        setImmediate(() => this.start());
      } else {
        this.trace(`${why}; new stream after the backoff`);
        this.backoff.runOnce();
      }
    }
    this.events.ended(hadList, why);
  }

  private scheduleReport(): void {
    this.reportTimer = setTimeout(() => {
      const report = this.clientStats?.takeReport();
      if (report && this.call) this.call.write({ clientStats: report });
      if (this.clientStats) this.scheduleReport();
    }, this.reportIntervalMs);
    this.reportTimer.unref();
  }

  private stopReports(): void {
    clearTimeout(this.reportTimer);
    this.reportTimer = undefined;
    this.clientStats = undefined;
  }
}

/**
 * Server entries as the picker uses them. An entry whose address is not 4 or
 * 16 bytes, or whose port is out of range, is skipped, as C-core does.
 */
export function decodeServerList(
  servers: readonly LbServer__Output[],
  trace: (text: string) => void = () => {},
): ServerListState {
  const entries: ServerEntry[] = [];
  servers.forEach((server, index) => {
    const token = server.loadBalanceToken ?? '';
    if (server.drop) {
      entries.push({ drop: true, token });
      return;
    }
    const bytes = server.ipAddress ?? Buffer.alloc(0);
    const port = server.port ?? 0;
    if ((bytes.length !== 4 && bytes.length !== 16) || port <= 0 || port > 65535) {
      trace(`server list entry ${index}: ${bytes.length}-byte address, port ${port}: skipped`);
      return;
    }
    entries.push({ drop: false, host: ipText(bytes), port, token });
  });
  const text = entries
    .map((e) =>
      e.drop ? `drop/${e.token}` : `${experimental.subchannelAddressToString(e)}/${e.token}`,
    )
    .join(' ');
  return new ServerListState(entries, text);
}

function ipText(bytes: Uint8Array): string {
  if (bytes.length === 4) return [...bytes].join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return groups.join(':');
}
