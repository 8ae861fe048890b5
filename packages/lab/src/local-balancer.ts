import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { appMain, type Running, startNode } from '@lab/local-cluster';

export type BalancerKind = 'grpclb' | 'xds';

/** Each program's default ports (on kind, the grpclb Service names 9000 `grpclb`). */
const PROGRAMS = {
  grpclb: {
    name: 'grpclb-server',
    main: appMain.grpclbServer,
    grpc: 9000,
    http: 9090,
    streams: 'grpclb_server_streams_active',
  },
  xds: {
    name: 'xds-server',
    main: appMain.xdsServer,
    grpc: 18000,
    http: 18080,
    streams: 'xds_server_clients_connected',
  },
} as const;
const STREAMS_POLL_MS = 50;

export interface LocalBalancerOptions {
  kind: BalancerKind;
  /** Its own address in the cluster's Service range, kept across restarts. */
  ip: string;
  namespace: string;
  /** The Service it serves, for the control plane (grpclb serves whatever clients ask for). */
  service: string;
  kubeconfigPath: string;
  /** Extra flags from the scenario. */
  args: readonly string[];
}

/**
 * A lookaside balancer (grpclb-server) or the xDS control plane (xds-server)
 * beside the pods, as its Deployment would run on kind: a process on its own
 * Service address that watches the cluster's API. Stopping it is SIGTERM (it
 * ends its streams and exits); starting it again uses the same address.
 */
export class LocalBalancer {
  private process: Running | undefined;

  constructor(private readonly options: LocalBalancerOptions) {}

  /** `ip:port` of its gRPC port: what clients are given. */
  get address(): string {
    return `${this.options.ip}:${PROGRAMS[this.options.kind].grpc}`;
  }

  describe(): string {
    const program = PROGRAMS[this.options.kind];
    return `${this.options.kind} balancer: ${program.name} on ${this.address}, watching EndpointSlices through the API (metrics on :${program.http})`;
  }

  async start(): Promise<void> {
    if (this.process) return;
    const { kind, ip, namespace, service, kubeconfigPath, args } = this.options;
    const program = PROGRAMS[kind];
    const running = startNode(
      program.main,
      [
        ...['--bind', ip, '--port', `${program.grpc}`, '--http-port', `${program.http}`],
        ...['--namespace', namespace, '--kubeconfig', kubeconfigPath],
        ...(kind === 'xds' ? ['--service', `${service}.${namespace}:grpc`] : []),
        ...args,
      ],
      { timeoutMs: Number.POSITIVE_INFINITY },
    );
    this.process = running;
    await running.waitForStdout('listening', 15_000);
  }

  /**
   * Resolves once `clients` streams are open on it, read from its own
   * /metrics: a restarted balancer is back in charge only when its clients
   * have come back, which their reconnect backoff may delay by seconds.
   */
  async waitForStreams(clients: number, timeoutMs = 30_000): Promise<void> {
    const program = PROGRAMS[this.options.kind];
    const url = `http://${this.options.ip}:${program.http}/metrics`;
    const deadline = Date.now() + timeoutMs;
    let open = 0;
    while (Date.now() < deadline) {
      const text = await fetch(url)
        .then((response) => response.text())
        .catch(() => '');
      open = text
        .split('\n')
        .filter((line) => line.startsWith(program.streams))
        .reduce((sum, line) => sum + Number(line.split(' ').at(-1) ?? 0), 0);
      if (open >= clients) return;
      await sleep(STREAMS_POLL_MS);
    }
    throw new Error(
      `${program.name}: ${open} of ${clients} client streams open after ${timeoutMs} ms`,
    );
  }

  async stop(graceMs = 5000): Promise<void> {
    const running = this.process;
    this.process = undefined;
    await running?.stop(graceMs);
  }

  /**
   * Writes the bootstrap a proxyless client reads (gRFC A27): this control
   * plane, plaintext, xDS v3, and the client as the node. grpc-js-xds 1.14
   * refuses a bootstrap without `node.locality`, so an empty one is written.
   */
  writeXdsBootstrap(dir: string, client: string): string {
    const path = join(dir, `xds-bootstrap-${client}.json`);
    const bootstrap = {
      xds_servers: [
        {
          server_uri: this.address,
          channel_creds: [{ type: 'insecure' }],
          server_features: ['xds_v3'],
        },
      ],
      node: { id: `client-${client}`, locality: {} },
    };
    writeFileSync(path, JSON.stringify(bootstrap, null, 2));
    return path;
  }
}
