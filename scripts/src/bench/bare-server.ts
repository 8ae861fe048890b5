#!/usr/bin/env node
/**
 * The benchmark's ceiling: a grpc-js server for lab.addr.v1.AddrService whose
 * GetAddr does no work at all and answers one prebuilt message, so the
 * difference to addr-server is the cost of the lab's own handler.
 */
import * as grpc from '@grpc/grpc-js';
import { loadAddrProto } from '@lab/proto';

const [bind = '127.0.0.1', port = '0'] = process.argv.slice(2);
const reply = { podName: 'bare', podIp: bind, nodeName: 'bare', callsServed: 0 };
const server = new grpc.Server();
server.addService(loadAddrProto().lab.addr.v1.AddrService.service, {
  GetAddr: (_call: unknown, callback: grpc.sendUnaryData<typeof reply>) => callback(null, reply),
  WatchAddr: (call: grpc.ServerWritableStream<unknown, unknown>) => call.end(),
});
server.bindAsync(`${bind}:${port}`, grpc.ServerCredentials.createInsecure(), (error, bound) => {
  if (error) {
    console.error(`bare-server: ${error.message}`);
    process.exit(1);
  }
  console.log(`bare-server listening: grpc ${bind}:${bound}`);
});
const stop = () => server.tryShutdown(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
