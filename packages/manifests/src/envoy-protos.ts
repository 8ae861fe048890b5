import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import protobuf from 'protobufjs';

/**
 * Envoy's v3 API as Envoy itself defines it: the .proto files that
 * @grpc/grpc-js-xds ships (deps/envoy-api and the xds, googleapis and
 * protoc-gen-validate protos they import), loaded with protobufjs. The
 * google.protobuf ones come with protobufjs.
 */
const require = createRequire(import.meta.url);
const depsDir = join(dirname(require.resolve('@grpc/grpc-js-xds/package.json')), 'deps');
const includeDirs = ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map((dir) =>
  join(depsDir, dir),
);

/**
 * The messages a lab bootstrap uses, and every extension it names by type
 * URL inside an Any. An Any whose type is not loaded here is an error, as in
 * an Envoy built without that extension.
 */
export const ENVOY_PROTO_FILES = [
  'envoy/config/bootstrap/v3/bootstrap.proto',
  'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
  'envoy/extensions/filters/http/router/v3/router.proto',
  'envoy/extensions/filters/http/health_check/v3/health_check.proto',
  'envoy/extensions/upstreams/http/v3/http_protocol_options.proto',
] as const;

/** descriptor.proto and friends are imported by the annotations; protobufjs ships them as JSON. */
function addGoogleProtos(): void {
  for (const name of ['descriptor', 'api', 'source_context', 'type']) {
    const json = require(`protobufjs/google/protobuf/${name}.json`) as {
      nested: { google: { nested: { protobuf: { nested: protobuf.INamespace['nested'] } } } };
    };
    protobuf.common(name, json.nested.google.nested.protobuf.nested ?? {});
  }
}

let loaded: protobuf.Root | undefined;

/** The Envoy API, loaded once; field names kept as the .proto spells them (snake_case). */
export function envoyRoot(): protobuf.Root {
  if (loaded) return loaded;
  addGoogleProtos();
  const root = new protobuf.Root();
  root.resolvePath = (origin, target) => {
    for (const dir of includeDirs) {
      const path = join(dir, target);
      if (existsSync(path)) return path;
    }
    return protobuf.util.path.resolve(origin, target);
  };
  root.loadSync([...ENVOY_PROTO_FILES], { keepCase: true });
  root.resolveAll();
  loaded = root;
  return root;
}
