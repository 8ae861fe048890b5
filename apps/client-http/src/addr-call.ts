import { type Agent, type IncomingMessage, request } from 'node:http';
import { type Backend, PROXY_HEADER, proxyIdentity } from '@lab/stats';

/**
 * The outcome of one `GET /addr`: the pod that answered (and the proxy on
 * the way, when one named itself in `x-lab-proxy`), or why it failed.
 */
export type AddrCallOutcome =
  | { ok: true; backend: Backend; latencyMs: number; proxy?: string | undefined }
  | { ok: false; code: string };

/** Error codes this client adds to socket codes and `HTTP_<status>`. */
export const DEADLINE_EXCEEDED = 'DEADLINE_EXCEEDED';
/** A 2xx answer whose body is not the addr-server's JSON (or is too large). */
export const INVALID_RESPONSE = 'INVALID_RESPONSE';
/** A failure that carried no error code; kept visible rather than dropped. */
export const UNKNOWN_ERROR = 'UNKNOWN';

/** An /addr answer is about 150 bytes; anything this large is not one. */
const MAX_BODY_BYTES = 64 * 1024;

/**
 * Calls `GET url` once through `agent` and never rejects: every failure is an
 * outcome with a code. The deadline covers the whole call, from connecting to
 * the last byte of the body, like a gRPC deadline.
 */
export function callAddr(agent: Agent, url: URL, deadlineMs: number): Promise<AddrCallOutcome> {
  return new Promise((resolve) => {
    const started = performance.now();
    let settled = false;
    const finish = (outcome: AddrCallOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const fail = (error: unknown) => finish({ ok: false, code: errorCode(error) });

    const req = request(url, { agent, method: 'GET', headers: { accept: 'application/json' } });
    const timer = setTimeout(() => {
      // Settle first so the errors that destroying the request causes are not
      // counted as a second failure or mistaken for a network error.
      finish({ ok: false, code: DEADLINE_EXCEEDED });
      req.destroy();
    }, deadlineMs);
    req.on('error', fail);
    req.on('response', (res) => {
      res.on('error', fail);
      const status = res.statusCode ?? 0;
      if (status < 200 || status > 299) {
        // Read the body anyway so a keep-alive connection can be reused.
        res.resume();
        res.on('end', () => finish({ ok: false, code: `HTTP_${status}` }));
        return;
      }
      readBody(res, (body) => {
        const backend = body === undefined ? undefined : parseAddrAnswer(body);
        if (backend === undefined) {
          finish({ ok: false, code: INVALID_RESPONSE });
          if (body === undefined) req.destroy();
          return;
        }
        const proxy = proxyIdentity(res.headers[PROXY_HEADER]);
        finish({
          ok: true,
          backend,
          latencyMs: performance.now() - started,
          ...(proxy ? { proxy } : {}),
        });
      });
    });
    req.end();
  });
}

/** Collects the body; hands `undefined` on when it exceeds MAX_BODY_BYTES. */
function readBody(res: IncomingMessage, done: (body: string | undefined) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  res.on('data', (chunk: Buffer) => {
    if (tooLarge) return;
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      tooLarge = true;
      done(undefined);
      return;
    }
    chunks.push(chunk);
  });
  res.on('end', () => {
    if (!tooLarge) done(Buffer.concat(chunks).toString('utf8'));
  });
}

/**
 * Reads the pod name, IP and node out of the addr-server's answer
 * (`{"podName", "podIp", "nodeName", "startTime", "callsServed"}`).
 */
export function parseAddrAnswer(body: string): Backend | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { podName, podIp, nodeName } = value as Record<string, unknown>;
  if (typeof podName !== 'string' || podName === '' || typeof podIp !== 'string') return undefined;
  // The node is extra: an answer without it still says who served the call.
  const node = typeof nodeName === 'string' && nodeName !== '' ? { node: nodeName } : {};
  return { pod: podName, ip: podIp, ...node };
}

/** The socket error code (ECONNREFUSED, ECONNRESET, ETIMEDOUT, HPE_…, …). */
function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code !== '' ? code : UNKNOWN_ERROR;
}
