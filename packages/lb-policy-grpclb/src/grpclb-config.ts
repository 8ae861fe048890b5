import { isIPv4, isIPv6 } from 'node:net';
import { experimental } from '@grpc/grpc-js';

/** The policy's type name, as in the service config and in C-core and Go. */
export const GRPCLB_TYPE = 'grpclb';

/** C-core's and Go's GRPC_GRPCLB_DEFAULT_FALLBACK_TIMEOUT_MS. */
export const DEFAULT_FALLBACK_TIMEOUT_MS = 10_000;
/** C-core's balancer-call backoff: 1 s, ×1.6 per failure, up to 120 s, ±20 %. */
export const DEFAULT_INITIAL_BACKOFF_MS = 1000;
export const DEFAULT_MAX_BACKOFF_MS = 120_000;

const KNOWN_KEYS = [
  'serviceName',
  'balancerAddresses',
  'balancerTarget',
  'childPolicy',
  'fallbackTimeout',
  'initialBackoff',
  'maxBackoff',
];

/**
 * `{"grpclb": {...}}` in a service config's loadBalancingConfig. C-core and
 * Go find the balancer through their resolver (DNS SRV `_grpclb._tcp`), and
 * name the service after the channel's target; grpc-js shows neither to a
 * policy, so this config names both. An unknown key or a bad value throws,
 * naming it, so that grpc-js rejects the service config instead of
 * silently ignoring a typo.
 */
export class GrpclbConfig implements experimental.TypedLoadBalancingConfig {
  constructor(
    /** Sent to the balancer in the initial request. */
    readonly serviceName: string,
    /** Any grpc-js target for the balancer channel. */
    readonly balancerTarget: string,
    readonly childPolicy: experimental.TypedLoadBalancingConfig,
    readonly fallbackTimeoutMs: number,
    readonly initialBackoffMs: number,
    readonly maxBackoffMs: number,
    private readonly json: object,
  ) {}

  getLoadBalancerName(): string {
    return GRPCLB_TYPE;
  }

  toJsonObject(): object {
    return { [GRPCLB_TYPE]: this.json };
  }

  static createFromJson(obj: unknown): GrpclbConfig {
    const fail = (why: string): never => {
      throw new Error(`grpclb config: ${why}`);
    };
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) fail('expected an object');
    const raw = obj as Record<string, unknown>;
    for (const key of Object.keys(raw)) {
      if (!KNOWN_KEYS.includes(key)) fail(`unknown key '${key}' (known: ${KNOWN_KEYS.join(', ')})`);
    }
    const serviceName = raw.serviceName;
    if (typeof serviceName !== 'string' || serviceName === '') {
      fail(
        'serviceName is required: the name sent to the balancer (grpc-js does not show a policy its channel target)',
      );
    }
    const balancerTarget = targetOf(raw.balancerAddresses, raw.balancerTarget, fail);
    const childPolicy = childPolicyOf(raw.childPolicy, fail);
    const fallbackTimeoutMs = durationMs(
      raw.fallbackTimeout,
      'fallbackTimeout',
      DEFAULT_FALLBACK_TIMEOUT_MS,
      fail,
    );
    const initialBackoffMs = durationMs(
      raw.initialBackoff,
      'initialBackoff',
      DEFAULT_INITIAL_BACKOFF_MS,
      fail,
    );
    const maxBackoffMs = durationMs(raw.maxBackoff, 'maxBackoff', DEFAULT_MAX_BACKOFF_MS, fail);
    if (initialBackoffMs <= 0) fail('initialBackoff must be above 0s');
    if (maxBackoffMs < initialBackoffMs) fail('maxBackoff is less than initialBackoff');
    return new GrpclbConfig(
      serviceName as string,
      balancerTarget,
      childPolicy,
      fallbackTimeoutMs,
      initialBackoffMs,
      maxBackoffMs,
      raw,
    );
  }
}

/**
 * `balancerAddresses` (`ip:port`, `[ipv6]:port`, or one `host:port`)
 * become an `ipv4:`, `ipv6:` or `dns:` target; `balancerTarget` is used as
 * is (`dns:///grpclb.grpc-lb.svc.cluster.local:9000`, `kubernetes:///…`).
 */
function targetOf(addresses: unknown, target: unknown, fail: (why: string) => never): string {
  if (addresses !== undefined && target !== undefined) {
    fail('give balancerAddresses or balancerTarget, not both');
  }
  if (target !== undefined) {
    if (typeof target !== 'string' || target === '') fail('balancerTarget must be a target string');
    return target as string;
  }
  if (!Array.isArray(addresses) || addresses.length === 0) {
    return fail(
      'balancerAddresses (["ip:port", ...]) or balancerTarget ("dns:///name:port") is required: where the balancer is',
    );
  }
  const parsed = addresses.map((a) => {
    const hostPort = typeof a === 'string' ? experimental.splitHostPort(a) : null;
    if (!hostPort?.port || hostPort.host === '') {
      return fail(`balancerAddresses: '${String(a)}' is not host:port`);
    }
    return { text: a as string, host: hostPort.host };
  });
  if (parsed.every((p) => isIPv4(p.host))) return `ipv4:${parsed.map((p) => p.text).join(',')}`;
  if (parsed.every((p) => isIPv6(p.host))) return `ipv6:${parsed.map((p) => p.text).join(',')}`;
  if (parsed.length === 1 && !isIPv4(parsed[0]!.host) && !isIPv6(parsed[0]!.host)) {
    return `dns:///${parsed[0]!.text}`;
  }
  return fail(
    'balancerAddresses must be all IPv4, all IPv6, or one name; for anything else use balancerTarget',
  );
}

function childPolicyOf(
  value: unknown,
  fail: (why: string) => never,
): experimental.TypedLoadBalancingConfig {
  if (value === undefined) return experimental.parseLoadBalancingConfig({ round_robin: {} });
  if (!Array.isArray(value)) return fail('childPolicy must be a list, e.g. [{"round_robin":{}}]');
  const selected = experimental.selectLbConfigFromList(value);
  if (!selected) return fail(`childPolicy names no policy grpc-js knows: ${JSON.stringify(value)}`);
  if (selected.getLoadBalancerName() === GRPCLB_TYPE) return fail('childPolicy cannot be grpclb');
  return selected;
}

function durationMs(
  value: unknown,
  key: string,
  fallback: number,
  fail: (why: string) => never,
): number {
  if (value === undefined) return fallback;
  const parsed = typeof value === 'string' ? experimental.parseDuration(value) : null;
  if (!parsed)
    return fail(`${key} must be a duration such as "10s" or "0.5s", not ${JSON.stringify(value)}`);
  return experimental.durationToMs(parsed);
}
