export {
  type ClientMode,
  createGrpcClient,
  type GrpcClient,
  type GrpcClientOptions,
} from './create-client.js';
export { DEFAULT_RESOLVE_INTERVAL_MS, poolTargetOf } from './pool-resolver.js';
export { parseTarget, type ParsedTarget } from './target.js';
export { serviceConfigFor, type LbPolicy } from './service-config.js';
