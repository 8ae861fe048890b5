import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ProtoGrpcType as AddrGrpcType } from './generated/addr.js';
import type { ProtoGrpcType as HelloGrpcType } from './generated/helloworld.js';
import type { ProtoGrpcType as GrpclbGrpcType } from './generated/load_balancer.js';
import {
  addrProtoFile,
  grpclbProtoFile,
  healthProtoPath,
  helloworldProtoFile,
  protosDir,
} from './proto-paths.js';

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

let cachedGrpclb: protoLoader.PackageDefinition | undefined;

/**
 * grpc.lb.v1 with health, apart from the lab's services: a balancer serves
 * it, and a client policy loads it without the addr protos. Same options as
 * the others: counters as JS numbers, `ip_address` as a Buffer.
 */
export function loadGrpclbPackageDefinition(): protoLoader.PackageDefinition {
  cachedGrpclb ??= protoLoader.loadSync([grpclbProtoFile, healthProtoPath], { ...loaderOptions });
  return cachedGrpclb;
}

export function loadGrpclbProto(): GrpclbGrpcType {
  return grpc.loadPackageDefinition(loadGrpclbPackageDefinition()) as unknown as GrpclbGrpcType;
}
