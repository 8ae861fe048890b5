import { setTimeout as sleep } from 'node:timers/promises';
import { appMain } from './app-paths.js';
import { HealthProbe } from './health-probe.js';
import { type Finished, type Running, startNode } from './node-process.js';

/** One pod's life; times are epoch ms. */
export interface PodRecord {
  name: string;
  ip: string;
  node: string;
  createdAt: number;
  readyAt?: number | undefined;
  terminatingAt?: number | undefined;
  exitedAt?: number | undefined;
}

export interface PodSpec {
  name: string;
  ip: string;
  node: string;
  grpcPort: number;
  httpPort: number;
  /** Extra addr-server flags. */
  args: readonly string[];
}

export interface PodListener {
  onReady(pod: Pod): void;
  onNotReady(pod: Pod): void;
  onExit(pod: Pod, finished: Finished): void;
}

/** Probe timing: fast until Ready, then as a kubelet with failureThreshold 3. */
const STARTUP_PROBE_MS = 100;
const READY_PROBE_MS = 500;
const FAILURE_THRESHOLD = 3;

/**
 * A pod: an addr-server process bound to its own loopback address with the
 * identity the downward API would give it, and a gRPC readiness probe.
 */
export class Pod {
  readonly record: PodRecord;
  private readonly process: Running;
  private readonly probe: HealthProbe;
  private ready = false;
  private exited = false;

  constructor(
    readonly spec: PodSpec,
    private readonly listener: PodListener,
  ) {
    this.record = { name: spec.name, ip: spec.ip, node: spec.node, createdAt: Date.now() };
    this.process = startNode(
      appMain.addrServer,
      [
        ...[
          '--bind',
          spec.ip,
          '--grpc-port',
          `${spec.grpcPort}`,
          '--http-port',
          `${spec.httpPort}`,
        ],
        ...spec.args,
      ],
      {
        env: { POD_NAME: spec.name, POD_IP: spec.ip, NODE_NAME: spec.node },
        timeoutMs: Number.POSITIVE_INFINITY,
      },
    );
    this.probe = new HealthProbe(`${spec.ip}:${spec.grpcPort}`);
    void this.process.finished.then((finished) => {
      this.exited = true;
      this.record.exitedAt = Date.now();
      this.probe.close();
      if (this.ready) {
        this.ready = false;
        listener.onNotReady(this);
      }
      listener.onExit(this, finished);
    });
    void this.probeLoop();
  }

  get name(): string {
    return this.spec.name;
  }

  get ip(): string {
    return this.spec.ip;
  }

  get isReady(): boolean {
    return this.ready;
  }

  get isTerminating(): boolean {
    return this.record.terminatingAt !== undefined;
  }

  get hasExited(): boolean {
    return this.exited;
  }

  /** stdout and stderr so far, for diagnosing a pod that would not start. */
  output(): string {
    return `${this.process.stdout()}${this.process.stderr()}`.trim();
  }

  /**
   * As the kubelet: SIGTERM, then SIGKILL once `graceMs` has passed; 0 is
   * SIGKILL at once. Resolves when the process has exited.
   */
  async terminate(graceMs: number): Promise<Finished> {
    this.record.terminatingAt ??= Date.now();
    if (graceMs <= 0) this.process.child.kill('SIGKILL');
    return this.process.stop(graceMs);
  }

  private async probeLoop(): Promise<void> {
    let failures = 0;
    while (!this.exited) {
      const ok = await this.probe.check(this.ready ? 1000 : 300);
      if (this.exited) return;
      if (ok) {
        failures = 0;
        if (!this.ready) {
          this.ready = true;
          this.record.readyAt ??= Date.now();
          this.listener.onReady(this);
        }
      } else if (this.ready && ++failures >= FAILURE_THRESHOLD) {
        this.ready = false;
        this.listener.onNotReady(this);
      }
      await sleep(this.ready ? READY_PROBE_MS : STARTUP_PROBE_MS);
    }
  }
}
