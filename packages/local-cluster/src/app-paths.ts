import { fileURLToPath } from 'node:url';

/** Built entry points of the lab's programs; `pnpm test` builds them first. */
export const appMain = {
  addrServer: fileURLToPath(new URL('../../../apps/addr-server/dist/main.js', import.meta.url)),
  clientGrpc: fileURLToPath(new URL('../../../apps/client-grpc/dist/main.js', import.meta.url)),
  clientHttp: fileURLToPath(new URL('../../../apps/client-http/dist/main.js', import.meta.url)),
  grpclbServer: fileURLToPath(
    new URL('../../../apps/grpclb-server/dist/main.js', import.meta.url),
  ),
  xdsServer: fileURLToPath(new URL('../../../apps/xds-server/dist/main.js', import.meta.url)),
} as const;
