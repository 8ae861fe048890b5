import { logVerbosity } from '@grpc/grpc-js';
/**
 * Environment variables the addr-server reads. On Kubernetes the manifests
 * fill them from the downward API; the local runtime sets them per process.
 */
export interface AddrServerEnv {
  podName: string | undefined;
  podIp: string | undefined;
  nodeName: string | undefined;
}

export function readEnv(env: NodeJS.ProcessEnv = process.env): AddrServerEnv {
  return {
    podName: env.POD_NAME || undefined,
    podIp: env.POD_IP || undefined,
    nodeName: env.NODE_NAME || undefined,
  };
}

/** grpc-js's own log level, as it reads GRPC_VERBOSITY (DEBUG, INFO, ERROR, NONE). */
export function grpcLogVerbosity(env: NodeJS.ProcessEnv = process.env): logVerbosity {
  const name = env.GRPC_VERBOSITY?.toUpperCase() ?? 'ERROR';
  const levels: Record<string, logVerbosity> = {
    DEBUG: logVerbosity.DEBUG,
    INFO: logVerbosity.INFO,
    ERROR: logVerbosity.ERROR,
    NONE: logVerbosity.NONE,
  };
  return levels[name] ?? logVerbosity.ERROR;
}
