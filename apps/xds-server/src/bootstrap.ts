export interface BootstrapOptions {
  /** `host:port` of the control plane's gRPC port. */
  serverUri: string;
  /** The client's node id: its name in the control plane's logs, metrics and config dump. */
  nodeId: string;
  /** Optional node cluster (Envoy's --service-cluster). */
  cluster?: string | undefined;
  /** The client's own zone and node; grpc-js-xds refuses a bootstrap with no `node.locality`. */
  locality?: { zone?: string; sub_zone?: string } | undefined;
}

/**
 * The bootstrap a proxyless gRPC client reads (gRFC A27, grpc-js-xds: a
 * file named by GRPC_XDS_BOOTSTRAP, or the JSON itself in
 * GRPC_XDS_BOOTSTRAP_CONFIG): one xDS server, plaintext, v3. `node.locality`
 * is always written, empty if need be: grpc-js-xds 1.14 rejects a bootstrap
 * without it ("locality field missing in node element"), although gRFC A27
 * makes it optional.
 */
export function xdsBootstrap(options: BootstrapOptions) {
  return {
    xds_servers: [
      {
        server_uri: options.serverUri,
        channel_creds: [{ type: 'insecure' }],
        server_features: ['xds_v3'],
      },
    ],
    node: {
      id: options.nodeId,
      ...(options.cluster ? { cluster: options.cluster } : {}),
      locality: options.locality ?? {},
    },
  };
}
