import { createConnection, createServer, isIP, type Server, type Socket } from 'node:net';

export interface ListenAddress {
  address: string;
  port: number;
}

export interface ServiceProxyOptions {
  /** Names the Service in errors. */
  name: string;
  /** Every address the Service answers on: its ClusterIP, and 127.0.0.1:<nodePort> for a NodePort. */
  listen: readonly ListenAddress[];
  /** The pods' port that connections are forwarded to. */
  targetPort: number;
  /** In [0, 1); picks the endpoint of each new connection (default Math.random). */
  random?: () => number;
  /** Told the endpoint chosen for each new connection. */
  onConnection?: (endpoint: string) => void;
}

interface Proxied {
  endpoint: string;
  client: Socket;
  backend: Socket;
}

/**
 * A ClusterIP or NodePort Service with kube-proxy's iptables semantics: each
 * new connection goes to a uniformly random Ready endpoint, chosen once; an
 * established connection is never moved (conntrack), and it lives exactly as
 * long as the connection to its pod.
 */
export class ServiceProxy {
  private readonly random: () => number;
  private readonly servers: Server[] = [];
  private readonly open = new Set<Proxied>();
  private ready: readonly string[] = [];

  constructor(private readonly options: ServiceProxyOptions) {
    this.random = options.random ?? Math.random;
  }

  /** Listens on every address; returns them with the ports actually bound. */
  async start(): Promise<ListenAddress[]> {
    if (this.servers.length > 0) throw new Error(`service ${this.options.name}: already started`);
    try {
      for (const { address, port } of this.options.listen) {
        const server = createServer({ allowHalfOpen: true, noDelay: true }, (client) =>
          this.accept(client),
        );
        this.servers.push(server);
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(port, address, () => {
            server.off('error', reject);
            resolve();
          });
        });
      }
    } catch (error) {
      await this.stop();
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`service ${this.options.name}: cannot listen: ${reason}`);
    }
    return this.servers.map((server) => {
      const bound = server.address();
      if (bound === null || typeof bound === 'string') throw new Error('not a TCP listener');
      return { address: bound.address, port: bound.port };
    });
  }

  /** The Ready endpoints' IPs; only connections made from now on see the change. */
  setEndpoints(ips: readonly string[]): void {
    for (const ip of ips) {
      if (isIP(ip) === 0) throw new Error(`service ${this.options.name}: ${ip} is not an IP`);
    }
    this.ready = [...new Set(ips)];
  }

  endpoints(): readonly string[] {
    return this.ready;
  }

  /** Open proxied connections per endpoint, including endpoints no longer Ready. */
  connections(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const ip of this.ready) counts[ip] = 0;
    for (const { endpoint } of this.open) counts[endpoint] = (counts[endpoint] ?? 0) + 1;
    return counts;
  }

  /** Closes the listeners and cuts every connection. */
  async stop(): Promise<void> {
    const servers = this.servers.splice(0);
    for (const { client, backend } of this.open) {
      client.destroy();
      backend.destroy();
    }
    this.open.clear();
    await Promise.all(
      servers.map(
        (server) =>
          new Promise<void>((resolve) =>
            server.listening ? server.close(() => resolve()) : resolve(),
          ),
      ),
    );
  }

  private accept(client: Socket): void {
    const ready = this.ready;
    if (ready.length === 0) {
      // kube-proxy REJECTs a Service with no endpoints; a reset is the nearest
      // a listener that has already accepted can get to a refused connection.
      client.on('error', () => {});
      client.resetAndDestroy();
      return;
    }
    const index = Math.min(Math.floor(this.random() * ready.length), ready.length - 1);
    const endpoint = ready[index]!;
    const backend = createConnection({
      host: endpoint,
      port: this.options.targetPort,
      allowHalfOpen: true,
      noDelay: true,
    });
    const proxied: Proxied = { endpoint, client, backend };
    this.open.add(proxied);
    this.options.onConnection?.(endpoint);

    // pipe() forwards each FIN on its own, which keeps a half-closed HTTP/1.1
    // request or an HTTP/2 shutdown intact. A refused or reset backend is not
    // retried (iptables does not): the client is reset instead.
    client.pipe(backend);
    backend.pipe(client);
    client.on('error', () => {});
    backend.on('error', () => {});
    let closed = 0;
    const closeOne = () => {
      closed += 1;
      if (closed === 2) this.open.delete(proxied);
    };
    backend.once('close', (hadError) => {
      closeOne();
      follow(client, hadError);
    });
    client.once('close', (hadError) => {
      closeOne();
      follow(backend, hadError);
    });
  }
}

/**
 * Once one side is gone, the other goes too: reset after an error, as the
 * peer's RST would reach it through conntrack; otherwise after the last bytes
 * are flushed, since nothing written later could be delivered.
 */
function follow(socket: Socket, hadError: boolean): void {
  if (socket.destroyed) return;
  if (hadError) {
    socket.resetAndDestroy();
    return;
  }
  socket.end(() => socket.destroy());
}
