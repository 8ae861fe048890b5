import { defaultConcurrency, LOAD_DEFAULTS } from '@lab/cli';
import { runClient } from '@lab/stats';
import { callAddr } from './addr-call.js';
import { createAgent } from './http-agent.js';
import { addrUrl } from './http-target.js';

export interface HttpClientOptions {
  /** Base URL of the addr-server or its Service, http: only; the client calls `<target>/addr`. */
  target: string;
  /** Client name in every window line; unique within a run. */
  name?: string | undefined;
  /** The node the client runs on (NODE_NAME), in every window line; undefined when unknown. */
  node?: string | undefined;
  /** Calls per second (open loop); 0 runs a closed loop of `concurrency` callers. */
  rps?: number | undefined;
  /**
   * Open loop: most calls in flight at once (calls due beyond it are counted
   * as skipped). Closed loop: number of callers. Defaults depend on the loop,
   * see `defaultConcurrency`.
   */
  concurrency?: number | undefined;
  /** Stop after this long; undefined runs until the signal passed to `run` aborts. */
  durationMs?: number | undefined;
  /** Whole-call deadline; a call that takes longer counts as DEADLINE_EXCEEDED. */
  deadlineMs?: number | undefined;
  /** Statistics window. */
  windowMs?: number | undefined;
  /** Reuse pooled connections (on) or open one connection per request (off). */
  keepalive?: boolean | undefined;
  /** Per-pod bars for people instead of JSON lines. */
  pretty?: boolean | undefined;
  /** Where window lines go; stdout by default. */
  out?: NodeJS.WritableStream | undefined;
}

export const DEFAULT_NAME = 'client-http';
/**
 * Off by default: one TCP connection per request is what the original Go
 * HTTP client did, and it is what lets an L4 Service spread HTTP traffic,
 * the contrast the L4 scenario draws with gRPC. `keepalive: true` shows HTTP
 * pinning the way gRPC does.
 */
export const DEFAULT_KEEPALIVE = false;

/** The options with every default filled in. */
export interface ResolvedHttpClientOptions {
  target: string;
  name: string;
  node: string | undefined;
  rps: number;
  concurrency: number;
  durationMs: number | undefined;
  deadlineMs: number;
  windowMs: number;
  keepalive: boolean;
  pretty: boolean;
}

export interface HttpClient {
  /** The URL every call requests. */
  readonly url: URL;
  readonly options: Readonly<ResolvedHttpClientOptions>;
  /**
   * Calls until the duration ends or `signal` aborts, waits for the calls in
   * flight (each bounded by the deadline), prints the final window, and closes
   * its connections.
   */
  run(signal: AbortSignal): Promise<void>;
}

/** Validates the options (TypeError / RangeError) and returns a client ready to run. */
export function createHttpClient(options: HttpClientOptions): HttpClient {
  const url = addrUrl(options.target);
  const rps = options.rps ?? LOAD_DEFAULTS.rps;
  const resolved: ResolvedHttpClientOptions = {
    target: options.target,
    name: options.name ?? DEFAULT_NAME,
    node: options.node,
    rps,
    concurrency: options.concurrency ?? defaultConcurrency(rps),
    deadlineMs: options.deadlineMs ?? LOAD_DEFAULTS.deadlineMs,
    windowMs: options.windowMs ?? LOAD_DEFAULTS.windowMs,
    keepalive: options.keepalive ?? DEFAULT_KEEPALIVE,
    pretty: options.pretty ?? false,
    durationMs: options.durationMs,
  };
  if (resolved.name === '') throw new RangeError('name must not be empty.');
  if (!Number.isFinite(rps) || rps < 0) throw new RangeError('rps must be a number ≥ 0.');
  requirePositiveInteger('concurrency', resolved.concurrency);
  requirePositiveInteger('deadlineMs', resolved.deadlineMs);
  requirePositiveInteger('windowMs', resolved.windowMs);
  if (resolved.durationMs !== undefined) requirePositiveInteger('durationMs', resolved.durationMs);

  return {
    url,
    options: resolved,
    async run(signal) {
      const agent = createAgent(resolved.keepalive);
      try {
        await runClient(
          async (recorder) => {
            const outcome = await callAddr(agent, url, resolved.deadlineMs);
            if (outcome.ok) recorder.recordOk(outcome.backend, outcome.latencyMs, outcome.proxy);
            else recorder.recordError(outcome.code);
          },
          {
            client: resolved.name,
            protocol: 'http',
            node: resolved.node,
            windowMs: resolved.windowMs,
            pretty: resolved.pretty,
            rps: resolved.rps,
            concurrency: resolved.concurrency,
            durationMs: resolved.durationMs,
            signal,
            out: options.out,
          },
        );
      } finally {
        agent.destroy();
      }
    },
  };
}

function requirePositiveInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`${name} must be a whole number ≥ 1 (got ${value}).`);
  }
}
