import type { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { isIPv4 } from 'node:net';
import { Packet, TCPServer, UDPServer } from 'dns2';

// dns2 fits: it parses and writes the wire format, frames TCP messages
// (RFC 7766 pipelining) and sets TC on oversized UDP answers, so a client can
// fall back to TCP. Binding is done here rather than through its
// createServer(), whose listen() never settles when a bind fails, and which
// cannot put UDP and TCP on one port picked by the kernel.

export interface ClusterDnsOptions {
  /** Loopback address to serve on (default 127.0.0.53). */
  address?: string;
  /** UDP and TCP port; 0 picks one free for both (default 0). */
  port?: number;
  /** TTL of every A record, as the `ttl` of kubeadm's Corefile (default 30). */
  ttlSeconds?: number;
  /** The cluster domain this server is authoritative for (default cluster.local). */
  domain?: string;
  /** Orders the A records of one answer; default: uniform random, as CoreDNS `loadbalance`. */
  shuffle?: (ips: readonly string[]) => string[];
}

export interface DnsAddress {
  address: string;
  port: number;
}

const PORT_ATTEMPTS = 20;

export class ClusterDns {
  private readonly address: string;
  private readonly port: number;
  private readonly ttlSeconds: number;
  private readonly domain: string;
  private readonly shuffle: (ips: readonly string[]) => string[];
  private readonly records = new Map<string, readonly string[]>();
  private readonly tcpClients = new Set<Socket>();
  private udp: UDPServer | undefined;
  private tcp: TCPServer | undefined;

  constructor(options: ClusterDnsOptions = {}) {
    this.address = options.address ?? '127.0.0.53';
    this.port = options.port ?? 0;
    this.ttlSeconds = options.ttlSeconds ?? 30;
    this.domain = normalize(options.domain ?? 'cluster.local');
    this.shuffle = options.shuffle ?? shuffleUniform;
    if (!Number.isInteger(this.ttlSeconds) || this.ttlSeconds < 0) {
      throw new Error(
        `cluster DNS: ttlSeconds must be a whole number >= 0, got ${this.ttlSeconds}`,
      );
    }
  }

  /** Serves UDP and TCP on the same port, as a resolver expects after a truncated answer. */
  async start(): Promise<DnsAddress> {
    if (this.udp) throw new Error('cluster DNS: already started');
    for (let attempt = 1; ; attempt++) {
      const udp = new UDPServer();
      udp.on('request', (request, send) => this.reply(request, send));
      // A send to a client that went away must not crash the runtime.
      udp.on('error', () => {});
      try {
        await bound(udp, (done) => udp.bind(this.port, this.address, done));
      } catch (error) {
        udp.close();
        throw error;
      }
      const port = udp.address().port;
      const tcp = new TCPServer();
      tcp.on('request', (request, send) => this.reply(request, send));
      tcp.on('connection', (socket: Socket) => {
        this.tcpClients.add(socket);
        socket.once('close', () => this.tcpClients.delete(socket));
      });
      try {
        await bound(tcp, (done) => tcp.listen(port, this.address, done));
      } catch (error) {
        udp.close();
        // Only a kernel-picked UDP port can clash with a TCP listener we did not choose.
        const retry = this.port === 0 && isInUse(error) && attempt < PORT_ATTEMPTS;
        if (!retry) throw error;
        continue;
      }
      this.udp = udp;
      this.tcp = tcp;
      return { address: this.address, port };
    }
  }

  /** Replaces the A records of `fqdn`; an empty list keeps the name with no records. */
  setRecords(fqdn: string, ips: readonly string[]): void {
    const name = this.nameInZone(fqdn);
    for (const ip of ips) {
      if (!isIPv4(ip)) throw new Error(`cluster DNS: ${ip} is not an IPv4 address (for ${fqdn})`);
    }
    this.records.set(name, [...new Set(ips)]);
  }

  /** Forgets `fqdn`: it answers NXDOMAIN again. */
  deleteRecords(fqdn: string): void {
    this.records.delete(this.nameInZone(fqdn));
  }

  async stop(): Promise<void> {
    const { udp, tcp } = this;
    this.udp = undefined;
    this.tcp = undefined;
    // Resolvers may keep a TCP connection open; close() alone would wait for them.
    for (const socket of this.tcpClients) socket.destroy();
    await Promise.all([
      udp && new Promise<void>((resolve) => udp.close(() => resolve())),
      tcp && new Promise<void>((resolve) => tcp.close(() => resolve())),
    ]);
  }

  private nameInZone(fqdn: string): string {
    const name = normalize(fqdn);
    if (!this.inZone(name)) throw new Error(`cluster DNS: ${fqdn} is not in ${this.domain}`);
    return name;
  }

  private inZone(name: string): boolean {
    return name === this.domain || name.endsWith(`.${this.domain}`);
  }

  private reply(request: Packet, send: (response: Packet) => Promise<Buffer>): void {
    // The send of a UDP reply rejects if the socket closed meanwhile (stop()).
    Promise.resolve(send(this.answer(request))).catch(() => {});
  }

  private answer(request: Packet): Packet {
    const response = Packet.createResponseFromRequest(request);
    const question = request.questions[0];
    if (!question) {
      response.header.rcode = Packet.RCODE.FORMERR;
      return response;
    }
    const name = normalize(question.name);
    // Authoritative only and never recursive: loopback must not leak queries out.
    if (!this.inZone(name)) {
      response.header.rcode = Packet.RCODE.REFUSED;
      return response;
    }
    response.header.aa = 1;
    const ips = this.records.get(name);
    if (ips === undefined) {
      response.header.rcode = Packet.RCODE.NXDOMAIN;
      return response;
    }
    if (question.type === Packet.TYPE.A || question.type === Packet.TYPE.ANY) {
      for (const address of this.shuffle(ips)) {
        response.answers.push(
          Packet.createResourceFromQuestion(question, {
            type: Packet.TYPE.A,
            class: Packet.CLASS.IN,
            ttl: this.ttlSeconds,
            address,
          }),
        );
      }
    }
    return response;
  }
}

/** Lower case without the trailing dot: DNS names compare case-insensitively. */
function normalize(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

/** Fisher-Yates over a copy. */
export function shuffleUniform(ips: readonly string[]): string[] {
  const out = [...ips];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Resolves once `start` reports listening, rejects on the bind error. */
function bound(emitter: EventEmitter, start: (done: () => void) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    emitter.once('error', reject);
    start(() => {
      emitter.off('error', reject);
      resolve();
    });
  });
}

function isInUse(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'EADDRINUSE';
}
