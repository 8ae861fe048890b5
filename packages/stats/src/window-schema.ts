import { z } from 'zod';

/** Percentiles of successful calls in a window, in milliseconds. */
export const latencySummarySchema = z.strictObject({
  p50: z.number().nonnegative(),
  p90: z.number().nonnegative(),
  p99: z.number().nonnegative(),
  max: z.number().nonnegative(),
});

const count = z.number().int().nonnegative();

/**
 * One line per window on a client's stdout. Both runtimes read these same
 * lines (from a child process locally, from `kubectl logs -f` on a cluster),
 * so this schema is the contract between every client and the lab engine.
 */
export const windowLineSchema = z
  .strictObject({
    type: z.literal('window'),
    v: z.literal(1),
    /** Client name, unique within a run. */
    client: z.string().min(1),
    protocol: z.enum(['grpc', 'http']),
    /** Window bounds, epoch milliseconds. */
    start: count,
    end: count,
    /** Successful calls (for streams: messages received). */
    ok: count,
    /** Failed calls; equals the sum of `errors`. */
    failed: count,
    /** Failed calls by gRPC status name, `HTTP_<status>`, or socket error code. */
    errors: z.record(z.string().min(1), count),
    /** Open loop only: calls due that were not started because `concurrency` were in flight. */
    skipped: count,
    /** Successful calls per backend pod name; sums to `ok`. */
    backends: z.record(z.string().min(1), count),
    /** Pod IP per backend pod name, as the pod reported it. */
    backendIps: z.record(z.string().min(1), z.string()),
    /** Node per backend pod name, as the pod reported it; topology reports group by it. */
    backendNodes: z.record(z.string().min(1), z.string()).optional(),
    /** The node the client itself runs on (its NODE_NAME), when it knows it. */
    node: z.string().min(1).optional(),
    /**
     * Successful calls per proxy identity, for calls that crossed a proxy
     * which names itself in the response (the `x-lab-proxy` header).
     */
    proxies: z.record(z.string().min(1), count).optional(),
    /** Null when the window had no successful call. */
    latencyMs: latencySummarySchema.nullable(),
    /**
     * Latency of successful calls in microseconds, as a compressed HdrHistogram,
     * so phases merge exact distributions instead of averaging percentiles.
     */
    histogram: z.string(),
    /** Set on the last window a client prints before it exits. */
    final: z.boolean().optional(),
  })
  .superRefine((line, ctx) => {
    if (line.end < line.start) {
      ctx.addIssue({ code: 'custom', path: ['end'], message: 'end is before start' });
    }
    const sum = (record: Record<string, number>) =>
      Object.values(record).reduce((total, value) => total + value, 0);
    if (sum(line.backends) !== line.ok) {
      ctx.addIssue({ code: 'custom', path: ['backends'], message: 'backends do not sum to ok' });
    }
    if (sum(line.errors) !== line.failed) {
      ctx.addIssue({ code: 'custom', path: ['errors'], message: 'errors do not sum to failed' });
    }
    // Only calls that succeeded are counted per proxy, and not every call crossed one.
    if (line.proxies && sum(line.proxies) > line.ok) {
      ctx.addIssue({ code: 'custom', path: ['proxies'], message: 'proxies sum to more than ok' });
    }
  });

export type WindowLine = z.infer<typeof windowLineSchema>;
export type LatencySummary = z.infer<typeof latencySummarySchema>;

export type ParseResult = { ok: true; line: WindowLine } | { ok: false; error: string };

/**
 * Parses one stdout line. Lines that are not JSON objects with
 * `"type":"window"` are reported as errors too; callers decide whether to
 * ignore them (a log line) or fail (a malformed window).
 */
export function parseWindowLine(text: string): ParseResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, error: 'not JSON' };
  }
  const parsed = windowLineSchema.safeParse(value);
  if (parsed.success) return { ok: true, line: parsed.data };
  return { ok: false, error: z.prettifyError(parsed.error).replaceAll('\n', '; ') };
}

/** True when a stdout line claims to be a window line, whether valid or not. */
export function looksLikeWindowLine(text: string): boolean {
  return text.startsWith('{') && text.includes('"type":"window"');
}
