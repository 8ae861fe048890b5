import { setTimeout as sleep } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import { type AddrServiceClient, loadAddrProto } from '@lab/proto';
import { PROXY_HEADER, proxyIdentity, runClient, type WindowRecorder } from '@lab/stats';
import { ChannelPool } from './pool-balancer.js';
import { openPoolChannel } from './pool-channel.js';
import { describePoolEvent, startPoolRefresh } from './pool-refresh.js';
import { createPoolResolver, DEFAULT_RESOLVE_INTERVAL_MS, poolTargetOf } from './pool-resolver.js';
import { setupResolvers } from './resolvers.js';
import { setup as setupGrpclb } from '@lab/lb-policy-grpclb';
import { type GrpclbOptions, type LbPolicy, serviceConfigFor } from './service-config.js';
import { parseTarget } from './target.js';

/**
 * - `channel`: one grpc-js channel; grpc-js resolves the target and `lb` balances.
 * - `pool`: the client resolves a `dns:` target every `resolveIntervalMs`,
 *   keeps one pick_first channel per address and balances round robin over
 *   them, as the OpenTelemetry Collector's load-balancing exporter does.
 */
export type ClientMode = 'channel' | 'pool';

export interface GrpcClientOptions {
  /** Any grpc-js target, already checked by parseTarget; `pool` needs a `dns:` one. */
  target: string;
  /** Client name in every window line. */
  name: string;
  /** The node the client runs on (NODE_NAME), in every window line; undefined when unknown. */
  node?: string | undefined;
  call: 'unary' | 'stream';
  /** Channel mode only: each pool channel is pick_first over its one address. */
  lb: LbPolicy;
  /** With `lb: 'grpclb'`: where the balancer is and what to ask it for. */
  grpclb?: GrpclbOptions | undefined;
  /** Default `channel`. */
  mode?: ClientMode | undefined;
  /** Pool mode: time between two resolutions; default 5 s, as the exporter's. */
  resolveIntervalMs?: number | undefined;
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
  /** Any other channel option, passed through unchanged (to every channel of a pool). */
  channelOptions?: grpc.ChannelOptions | undefined;
  out?: NodeJS.WritableStream | undefined;
  /** Lines for a person (the pool's changes); default: stderr, prefixed `client-grpc: `. */
  log?: ((line: string) => void) | undefined;
}

/** Delay before a stream that ended is opened again, so a dead backend is not hammered. */
const STREAM_REOPEN_DELAY_MS = 100;
const MIN_STREAM_INTERVAL_MS = 10;

export interface GrpcClient {
  readonly channelOptions: grpc.ChannelOptions;
  run(signal: AbortSignal): Promise<void>;
}

/** Where each call goes: the one channel, or the pool's next address. */
interface CallSource {
  acquire(): { client: AddrServiceClient; release(): void } | undefined;
  close(): void;
}

export function createGrpcClient(options: GrpcClientOptions): GrpcClient {
  setupResolvers();
  setupGrpclb();
  const mode = options.mode ?? 'channel';
  // Checked here too, so that a caller other than main.ts gets the same errors.
  const poolTarget = mode === 'pool' ? poolTargetOf(parseTarget(options.target)) : undefined;
  const channelOptions: grpc.ChannelOptions = {
    ...options.channelOptions,
    'grpc.service_config': serviceConfigFor(options.lb, options.grpclb),
  };
  if (options.dnsMinResolutionMs !== undefined) {
    channelOptions['grpc.dns_min_time_between_resolutions_ms'] = options.dnsMinResolutionMs;
  }
  const { AddrService } = loadAddrProto().lab.addr.v1;
  const log =
    options.log ?? ((line: string) => void process.stderr.write(`client-grpc: ${line}\n`));

  const openSource = async (): Promise<CallSource> => {
    if (options.target.startsWith('xds:')) {
      // Loaded only for xds: targets (it brings Envoy's protos). It reads its
      // bootstrap (GRPC_XDS_BOOTSTRAP) when the first xds channel starts.
      (await import('@grpc/grpc-js-xds')).register();
    }
    if (!poolTarget) {
      // One client, so one channel: every call shares its connections, as in
      // a real service that creates its stub once.
      const client = new AddrService(
        options.target,
        grpc.credentials.createInsecure(),
        channelOptions,
      );
      return { acquire: () => ({ client, release: () => {} }), close: () => client.close() };
    }
    const pool = new ChannelPool(
      (address) => openPoolChannel(AddrService, address, options.channelOptions ?? {}),
      (event) => log(describePoolEvent(event)),
    );
    const refresh = startPoolRefresh({
      resolver: createPoolResolver(poolTarget),
      pool,
      port: poolTarget.port,
      intervalMs: options.resolveIntervalMs ?? DEFAULT_RESOLVE_INTERVAL_MS,
      log,
    });
    // As the exporter's start(): the first lookup comes before the first call.
    await refresh.ready;
    return {
      acquire: () => pool.acquire(),
      close: () => {
        refresh.stop();
        const closed = pool.close();
        log(`pool: stopped, closed ${closed} channel${closed === 1 ? '' : 's'}`);
      },
    };
  };

  return {
    channelOptions,
    async run(signal) {
      const source = await openSource();
      try {
        const callOnce = async (recorder: WindowRecorder, stop: AbortSignal) => {
          const lease = source.acquire();
          if (!lease) {
            // An empty pool: nothing to call, which is what UNAVAILABLE means.
            recorder.recordError(statusName(grpc.status.UNAVAILABLE));
          } else {
            try {
              if (options.call === 'unary') await unaryCall(lease.client, options, recorder);
              else await streamCall(lease.client, options, recorder, stop);
            } finally {
              lease.release();
            }
          }
          if (options.call === 'stream' && !stop.aborted) {
            await sleep(STREAM_REOPEN_DELAY_MS, undefined, { signal: stop }).catch(() => {});
          }
        };
        await runClient(callOnce, {
          client: options.name,
          protocol: 'grpc',
          node: options.node,
          rps: options.call === 'unary' ? options.rps : 0,
          concurrency: options.concurrency,
          durationMs: options.durationMs,
          windowMs: options.windowMs,
          pretty: options.pretty,
          signal,
          out: options.out,
        });
      } finally {
        source.close();
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
    let proxy: string | undefined;
    const call = client.GetAddr(
      { client: options.name },
      { deadline: Date.now() + options.deadlineMs },
      (error, reply) => {
        if (error || !reply) recorder.recordError(statusName(error?.code));
        else
          recorder.recordOk(
            { pod: reply.podName, ip: reply.podIp, node: reply.nodeName },
            performance.now() - started,
            proxy,
          );
        resolve();
      },
    );
    // Initial metadata comes before the reply: a proxy's name, when one answered on the way.
    call.on('metadata', (metadata: grpc.Metadata) => {
      proxy = proxyIdentity(metadata.get(PROXY_HEADER));
    });
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
    // One set of initial metadata per stream: every message crossed the same proxy.
    let proxy: string | undefined;
    stream.on('metadata', (metadata: grpc.Metadata) => {
      proxy = proxyIdentity(metadata.get(PROXY_HEADER));
    });
    const onAbort = () => stream.cancel();
    signal.addEventListener('abort', onAbort, { once: true });
    stream.on(
      'data',
      (message: { addr?: { podName: string; podIp: string; nodeName: string } | null }) => {
        const now = performance.now();
        // The gap between messages, less the requested interval, is the delivery delay.
        const latency = Math.max(0, now - last - intervalMs);
        last = now;
        if (message.addr) {
          const { podName, podIp, nodeName } = message.addr;
          recorder.recordOk({ pod: podName, ip: podIp, node: nodeName }, latency, proxy);
        }
      },
    );
    stream.on('status', (status: grpc.StatusObject) => {
      signal.removeEventListener('abort', onAbort);
      if (
        status.code !== grpc.status.OK &&
        !(signal.aborted && status.code === grpc.status.CANCELLED)
      ) {
        recorder.recordError(statusName(status.code));
      }
      // The caller waits before the next stream, after the channel is released.
      resolve();
    });
    // Errors also arrive as a status; this listener keeps them from being thrown.
    stream.on('error', () => {});
  });
}
