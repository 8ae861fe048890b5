export {
  loadAddrProto,
  loadGrpclbPackageDefinition,
  loadGrpclbProto,
  loadHelloworldProto,
  loadLabPackageDefinition,
  loaderOptions,
} from './proto-loader.js';
export {
  addrProtoFile,
  grpclbProtoFile,
  healthProtoPath,
  helloworldProtoFile,
  protosDir,
} from './proto-paths.js';
export type { AddrServiceClient } from './generated/lab/addr/v1/AddrService.js';
export type { AddrServiceHandlers } from './generated/lab/addr/v1/AddrService.js';
export type {
  GetAddrResponse__Output,
  GetAddrResponse,
} from './generated/lab/addr/v1/GetAddrResponse.js';
export type {
  WatchAddrResponse__Output,
  WatchAddrResponse,
} from './generated/lab/addr/v1/WatchAddrResponse.js';
export type { GetAddrRequest__Output } from './generated/lab/addr/v1/GetAddrRequest.js';
export type { WatchAddrRequest__Output } from './generated/lab/addr/v1/WatchAddrRequest.js';
export type { GreeterClient, GreeterHandlers } from './generated/helloworld/Greeter.js';
export type {
  ClientStats,
  ClientStats__Output,
} from './generated/grpc/lb/v1/ClientStats.js';
export type {
  LoadBalanceRequest,
  LoadBalanceRequest__Output,
} from './generated/grpc/lb/v1/LoadBalanceRequest.js';
export type {
  LoadBalanceResponse,
  LoadBalanceResponse__Output,
} from './generated/grpc/lb/v1/LoadBalanceResponse.js';
export type {
  LoadBalancerClient,
  LoadBalancerHandlers,
} from './generated/grpc/lb/v1/LoadBalancer.js';
export type {
  Server as LbServer,
  Server__Output as LbServer__Output,
} from './generated/grpc/lb/v1/Server.js';
