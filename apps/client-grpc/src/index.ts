export { createGrpcClient, type GrpcClient, type GrpcClientOptions } from './create-client.js';
export { parseTarget, type ParsedTarget } from './target.js';
export { serviceConfigFor, type LbPolicy } from './service-config.js';
