export {
  loadAddrProto,
  loadHelloworldProto,
  loadLabPackageDefinition,
  loaderOptions,
} from './proto-loader.js';
export { addrProtoFile, healthProtoPath, helloworldProtoFile, protosDir } from './proto-paths.js';
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
