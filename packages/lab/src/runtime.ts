import type { WindowLine } from '@lab/stats';
import type { LabEvent, PodRecord } from './engine-types.js';

/**
 * Where a scenario runs. The engine drives every runtime through these
 * calls and measures all of them the same way: from the clients' window lines.
 */
export interface Runtime {
  readonly name: string;
  /**
   * Creates the server pods and the Service, waits until the pods are Ready,
   * then starts the clients. From here on, every client window line and every
   * pod event goes to `sink`.
   */
  deploy(sink: RuntimeSink): Promise<void>;
  scale(replicas: number): Promise<void>;
  rolloutRestart(): Promise<void>;
  /** `pod` is `oldest`, `newest` or a pod name; resolves with the name deleted. */
  killPod(pod: string, graceMs: number | undefined): Promise<string>;
  pods(): PodRecord[];
  /** Stops (SIGTERM) or starts again the scenario's lookaside balancer; resolves once done. */
  balancer?(to: 'stop' | 'start'): Promise<void>;
  /**
   * Each node's zone (`topology.kubernetes.io/zone`), where the runtime
   * knows them: the topology report groups calls by zone with it.
   */
  nodeZones?(): Record<string, string> | undefined;
  /** A kubeconfig for the cluster's API, where the runtime has one a person can use. */
  kubeconfig?(): string;
  /** Lines that tell a person what the runtime maps the scenario onto. */
  describe(): string[];
  /** Stops the clients (their last windows arrive first), then everything else. Idempotent. */
  teardown(): Promise<void>;
}

export interface RuntimeSink {
  window(line: WindowLine): void;
  event(event: LabEvent): void;
}

export interface RuntimeOptions {
  speed: number;
  /** The clients' window length; finer windows time convergence more closely (benchmarks). */
  windowMs?: number;
}
