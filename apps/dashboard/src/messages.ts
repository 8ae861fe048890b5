/**
 * What the dashboard's page is fed, live over Server-Sent Events or embedded
 * in a report: a run as an ordered list of messages. The page folds them into
 * its state (browser/state.ts), so a page opened mid-run, reloaded, or opened
 * from a saved report draws the same thing from the same list.
 *
 * Plain data only: this file is compiled for Node and bundled for the browser.
 */

export interface ClientInfo {
  name: string;
  kind: 'grpc' | 'http';
  target: string;
  /** gRPC load-balancing policy, when the scenario sets one. */
  lb?: string | undefined;
  /** client-grpc --mode (channel or pool). */
  mode?: string | undefined;
}

export interface ScenarioInfo {
  id: string;
  title: string;
  claim: string;
  runtime: string;
  speed: number;
  serverName: string;
  service: { name: string; kind: 'clusterip' | 'headless' | 'nodeport' };
  /** A lookaside balancer (grpclb or the lab's xDS control plane). */
  balancer?: string | undefined;
  /** A service mesh (kind runtime only). */
  mesh?: string | undefined;
  clients: ClientInfo[];
}

/** Latency percentiles in milliseconds. */
export interface Percentiles {
  p50: number;
  p99: number;
}

/** One client window without its histogram: what the page draws. */
export interface WindowPoint {
  client: string;
  protocol: 'grpc' | 'http';
  start: number;
  end: number;
  ok: number;
  failed: number;
  /** Successful calls per pod. */
  backends: Record<string, number>;
  /** This window's own latency. */
  latency: Percentiles | null;
  /**
   * The client's latency over its last RECENT_WINDOWS windows, merged from
   * their histograms (percentiles cannot be averaged). Per client, all pods
   * together: window lines carry no per-pod latency.
   */
  recent: Percentiles | null;
}

/** How many windows the live per-pod table and the "pods visible" count look back over. */
export const RECENT_WINDOWS = 8;

export interface LabEventInfo {
  at: number;
  kind: string;
  pod?: string | undefined;
  detail: string;
}

export interface VerdictInfo {
  phase: string;
  client: string;
  check: string;
  expected: string;
  observed: string;
  pass: boolean;
}

export interface PhaseClientInfo {
  ok: number;
  failed: number;
  backends: Record<string, { calls: number; share: number }>;
  /** From the phase's merged histograms. */
  latency: Percentiles | null;
  jain: number | null;
}

export interface PhaseInfo {
  phase: string;
  start: number;
  end: number;
  readyPods: string[];
  clients: Record<string, PhaseClientInfo>;
  verdicts: VerdictInfo[];
}

export type DashMessage =
  | { type: 'hello'; run: string; at: number; scenario: ScenarioInfo }
  | { type: 'say'; at: number; text: string }
  | { type: 'step'; at: number; text: string }
  | { type: 'detail'; at: number; text: string }
  | { type: 'progress'; at: number; text: string | null }
  | { type: 'event'; event: LabEventInfo }
  | { type: 'window'; window: WindowPoint }
  | { type: 'phase'; phase: PhaseInfo }
  | { type: 'end'; at: number; pass: boolean };

/** A message with its place in the run, as the SSE stream sends it. */
export interface Sequenced {
  seq: number;
  message: DashMessage;
}

/** What a report embeds: the whole run at once. */
export interface EmbeddedRun {
  messages: DashMessage[];
  /** True in a saved report: no live connection to make. */
  static: true;
}
