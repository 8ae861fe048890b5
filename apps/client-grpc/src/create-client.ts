import * as grpc from '@grpc/grpc-js';
import { type AddrServiceClient, loadAddrProto } from '@lab/proto';
import { runClient, type WindowRecorder } from '@lab/stats';
import { setupResolvers } from './resolvers.js';
import { type LbPolicy, serviceConfigFor } from './service-config.js';

export interface GrpcClientOptions {
  /** Any grpc-js target, already checked by parseTarget. */
  target: string;
  /** Client name in every window line. */
  name: string;
  call: 'unary' | 'stream';
  lb: LbPolicy;
  /** Calls per second, open loop; 0 = closed loop. Streams: total messages per second. */
  rps: number;
  /** Closed loop: callers. Open loop: most calls in flight. Streams: streams held open. */
  concurrency: number;
  durationMs?: number | undefined;
  deadlineMs: number;
  windowMs: number;
  pretty: boolean;
  /** grpc.dns_min_time_between_resolutions_ms; grpc-js defaults to 30 000. */
  dnsMinResolutionMs?: number | undefined;
  /** Any other channel option, passed through unchanged. */
  channelOptions?: grpc.ChannelOptions | undefined;
  out?: NodeJS.WritableStream | undefined;
}

/** Delay before a stream that ended is opened again, so a dead backend is not hammered. */
const STREAM_REOPEN_DELAY_MS = 100;
const MIN_STREAM_INTERVAL_MS = 10;

export interface GrpcClient {
  readonly channelOptions: grpc.ChannelOptions;
  run(signal: AbortSignal): Promise<void>;
}

export function createGrpcClient(options: GrpcClientOptions): GrpcClient {
  setupResolvers();
  const channelOptions: grpc.ChannelOptions = {
    ...options.channelOptions,
    'grpc.service_config': serviceConfigFor(options.lb),
  };
  if (options.dnsMinResolutionMs !== undefined) {
    channelOptions['grpc.dns_min_time_between_resolutions_ms'] = options.dnsMinResolutionMs;
  }
  const { AddrService } = loadAddrProto().lab.addr.v1;

  return {
    channelOptions,
    async run(signal) {
      // One client, so one channel: every call shares its connections, as in
      // a real service that creates its stub once.
      const client = new AddrService(
        options.target,
        grpc.credentials.createInsecure(),
        channelOptions,
      );
      try {
        const callOnce =
          options.call === 'unary'
            ? (recorder: WindowRecorder) => unaryCall(client, options, recorder)
            : (recorder: WindowRecorder, stop: AbortSignal) =>
                streamCall(client, options, recorder, stop);
        await runClient(callOnce, {
          client: options.name,
          protocol: 'grpc',
          rps: options.call === 'unary' ? options.rps : 0,
          concurrency: options.concurrency,
          durationMs: options.durationMs,
          windowMs: options.windowMs,
          pretty: options.pretty,
          signal,
          out: options.out,
        });
      } finally {
        client.close();
      }
    },
  };
}

function statusName(code: number | undefined): string {
  return (code !== undefined && grpc.status[code]) || 'UNKNOWN';
}

function unaryCall(
  client: AddrServiceClient,
  options: GrpcClientOptions,
  recorder: WindowRecorder,
): Promise<void> {
  const started = performance.now();
  return new Promise((resolve) => {
    client.GetAddr(
      { client: options.name },
      { deadline: Date.now() + options.deadlineMs },
      (error, reply) => {
        if (error || !reply) recorder.recordError(statusName(error?.code));
        else
          recorder.recordOk({ pod: reply.podName, ip: reply.podIp }, performance.now() - started);
        resolve();
      },
    );
  });
}

/**
 * One WatchAddr stream, held until it ends; each message counts as a call to
 * the pod that sent it. The stream stays on the connection it opened on, so
 * this shows that a long-lived stream never rebalances.
 */
function streamCall(
  client: AddrServiceClient,
  options: GrpcClientOptions,
  recorder: WindowRecorder,
  signal: AbortSignal,
): Promise<void> {
  const intervalMs =
    options.rps > 0
      ? Math.max(MIN_STREAM_INTERVAL_MS, Math.round((1000 * options.concurrency) / options.rps))
      : MIN_STREAM_INTERVAL_MS;
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const stream = client.WatchAddr({ client: options.name, intervalMs });
    let last = performance.now();
    const onAbort = () => stream.cancel();
    signal.addEventListener('abort', onAbort, { once: true });
    stream.on('data', (message: { addr?: { podName: string; podIp: string } | null }) => {
      const now = performance.now();
      // The gap between messages, less the requested interval, is the delivery delay.
      const latency = Math.max(0, now - last - intervalMs);
      last = now;
      if (message.addr)
        recorder.recordOk({ pod: message.addr.podName, ip: message.addr.podIp }, latency);
    });
    stream.on('status', (status: grpc.StatusObject) => {
      signal.removeEventListener('abort', onAbort);
      if (
        status.code !== grpc.status.OK &&
        !(signal.aborted && status.code === grpc.status.CANCELLED)
      ) {
        recorder.recordError(statusName(status.code));
      }
      setTimeout(resolve, signal.aborted ? 0 : STREAM_REOPEN_DELAY_MS);
    });
    // Errors also arrive as a status; this listener keeps them from being thrown.
    stream.on('error', () => {});
  });
}
