// A proxyless gRPC client as a lab client runs one: grpc-js-xds registered
// once for the process, the bootstrap read from the file GRPC_XDS_BOOTSTRAP
// names. Makes `calls` GetAddr calls to `target` and prints
// {"pods": {<pod>: <count>}, "failed": [<details>]} as one JSON line.
// Usage: node xds-client.mjs xds:///addr-server.grpc-lb <calls>
import * as grpc from '@grpc/grpc-js';
import * as xds from '@grpc/grpc-js-xds';
import { loadAddrProto } from '@lab/proto';

xds.register();
const [target = 'xds:///addr-server.grpc-lb', calls = '20'] = process.argv.slice(2);
const { AddrService } = loadAddrProto().lab.addr.v1;
const client = new AddrService(target, grpc.credentials.createInsecure());
const pods = {};
const failed = [];
for (let i = 0; i < Number(calls); i++) {
  const deadline = new Date(Date.now() + 10_000);
  const answer = await new Promise((resolve) => {
    client.GetAddr({ client: 'xds-client' }, { deadline }, (error, response) =>
      resolve(error ? { error: error.details } : { pod: response.podName }),
    );
  });
  if (answer.error) failed.push(answer.error);
  else pods[answer.pod] = (pods[answer.pod] ?? 0) + 1;
}
client.close();
console.log(JSON.stringify({ pods, failed }));
process.exit(0);
