import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ProtoGrpcType as AddrGrpcType } from './generated/addr.js';
import type { ProtoGrpcType as HelloGrpcType } from './generated/helloworld.js';
import { addrProtoFile, healthProtoPath, helloworldProtoFile, protosDir } from './proto-paths.js';

/**
 * The options match the ones given to proto-loader-gen-types, so the generated
 * types describe exactly what these loaders return: 64-bit integers as JS
 * numbers (call counters stay far below 2^53) and enums as their names.
 */
export const loaderOptions: protoLoader.Options = {
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [protosDir],
};

let cached: protoLoader.PackageDefinition | undefined;

/**
 * One package definition holding every service the lab serves, health
 * included, so that server reflection can describe all of them.
 */
export function loadLabPackageDefinition(): protoLoader.PackageDefinition {
  cached ??= protoLoader.loadSync([addrProtoFile, helloworldProtoFile, healthProtoPath], {
    ...loaderOptions,
  });
  return cached;
}

export function loadAddrProto(): AddrGrpcType {
  return grpc.loadPackageDefinition(loadLabPackageDefinition()) as unknown as AddrGrpcType;
}

export function loadHelloworldProto(): HelloGrpcType {
  return grpc.loadPackageDefinition(loadLabPackageDefinition()) as unknown as HelloGrpcType;
}
