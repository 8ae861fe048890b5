import { appMain } from './app-paths.js';
import { type Running, startNode } from './node-process.js';

export interface AddrServerProcess extends Running {
  name: string;
  ip: string;
  httpPort: number;
  grpcPort: number;
  /** `ip:grpcPort`, for ipv4: targets. */
  grpcAddress: string;
}

/** A random high port pair; each pod has its own IP, so clashes are rare and retried. */
function randomPort(): number {
  return 20_000 + 2 * Math.floor(Math.random() * 20_000);
}

/**
 * Starts a real addr-server as pod `name` bound to `ip`, and resolves once it
 * prints that it is listening. A port already in use is retried on another.
 */
export async function startAddrServer(
  name: string,
  ip: string,
  extraArgs: readonly string[] = [],
): Promise<AddrServerProcess> {
  for (let attempt = 1; attempt <= 5; attempt++) {
    const httpPort = randomPort();
    const grpcPort = httpPort + 1;
    const running = startNode(
      appMain.addrServer,
      ['--bind', ip, '--http-port', `${httpPort}`, '--grpc-port', `${grpcPort}`, ...extraArgs],
      { env: { POD_NAME: name, POD_IP: ip, NODE_NAME: 'node-test' }, timeoutMs: 10 * 60_000 },
    );
    const outcome = await Promise.race([
      new Promise<'listening'>((resolve) => {
        const check = () => {
          if (running.stdout().includes('listening')) resolve('listening');
        };
        running.child.stdout?.on('data', check);
      }),
      running.finished.then((done) => (done.stderr.includes('in use') ? 'in-use' : done)),
      new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 10_000).unref()),
    ]);
    if (outcome === 'listening') {
      return { ...running, name, ip, httpPort, grpcPort, grpcAddress: `${ip}:${grpcPort}` };
    }
    await running.stop();
    if (outcome !== 'in-use') {
      const detail = outcome === 'timeout' ? 'no "listening" line within 10 s' : outcome.stderr;
      throw new Error(`addr-server ${name} on ${ip} did not start: ${detail}`);
    }
  }
  throw new Error(`addr-server ${name} on ${ip}: no free port after 5 attempts`);
}
