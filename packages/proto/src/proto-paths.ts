import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

/** Folder holding the lab's own .proto files (shipped with the package). */
export const protosDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'protos');

/** The standard grpc.health.v1 proto, as shipped by grpc-health-check. */
export const healthProtoPath: string = (require('grpc-health-check') as { protoPath: string })
  .protoPath;

export const addrProtoFile = 'lab/addr/v1/addr.proto';
export const helloworldProtoFile = 'helloworld/helloworld.proto';
/** grpc.lb.v1, the grpclb protocol (see the file's header for where it comes from). */
export const grpclbProtoFile = 'grpc/lb/v1/load_balancer.proto';
