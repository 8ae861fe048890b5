export type { CallOutcome } from './grpclb-client-stats.js';
export { GrpclbClientStats } from './grpclb-client-stats.js';
export { decodeServerList, MIN_REPORT_INTERVAL_MS } from './grpclb-balancer-stream.js';
export {
  DEFAULT_FALLBACK_TIMEOUT_MS,
  DEFAULT_INITIAL_BACKOFF_MS,
  DEFAULT_MAX_BACKOFF_MS,
  GRPCLB_TYPE,
  GrpclbConfig,
} from './grpclb-config.js';
export { DROP_DETAILS, LB_TOKEN_KEY } from './grpclb-picker.js';
export { GRPCLB_TRACER, GrpclbLoadBalancer, setup } from './lb-policy-grpclb.js';
