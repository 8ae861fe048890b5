export type LbPolicy = 'pick_first' | 'round_robin';

/**
 * The balancing policy goes in the service config. grpc-js ignores the
 * `grpc.lb_policy_name` channel option that other gRPC libraries accept, so a
 * client that sets only that option silently stays on pick_first.
 */
export function serviceConfigFor(lb: LbPolicy): string {
  return JSON.stringify({ loadBalancingConfig: [{ [lb]: {} }] });
}
