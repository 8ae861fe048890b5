export type LbPolicy = 'pick_first' | 'round_robin' | 'grpclb';

/** The lab's grpclb policy's config (see @lab/lb-policy-grpclb). */
export interface GrpclbOptions {
  /** The name sent to the balancer: a grpc-js policy cannot see the channel's target. */
  serviceName: string;
  /** `ip:port` of the balancer, or a grpc-js target such as `dns:///grpclb.grpc-lb:9000`. */
  balancer: string;
  fallbackTimeoutMs?: number | undefined;
}

/**
 * The balancing policy goes in the service config. grpc-js ignores the
 * `grpc.lb_policy_name` channel option that other gRPC libraries accept, so a
 * client that sets only that option silently stays on pick_first.
 */
export function serviceConfigFor(lb: LbPolicy, grpclb?: GrpclbOptions): string {
  if (lb !== 'grpclb') return JSON.stringify({ loadBalancingConfig: [{ [lb]: {} }] });
  if (!grpclb) throw new Error('the grpclb policy needs a balancer and a service name');
  // `host:port` is an address; `scheme://…` or `ipv4:…` is a grpc-js target.
  const isTarget =
    /^[a-z][a-z0-9+.-]*:\/\//.test(grpclb.balancer) ||
    /^(ipv4|ipv6|unix|dns|kubernetes|passthrough):/.test(grpclb.balancer);
  return JSON.stringify({
    loadBalancingConfig: [
      {
        grpclb: {
          serviceName: grpclb.serviceName,
          ...(isTarget
            ? { balancerTarget: grpclb.balancer }
            : { balancerAddresses: [grpclb.balancer] }),
          ...(grpclb.fallbackTimeoutMs === undefined
            ? {}
            : { fallbackTimeout: `${grpclb.fallbackTimeoutMs / 1000}s` }),
        },
      },
    ],
  });
}
