import { setTimeout as sleep } from 'node:timers/promises';
import type { WindowLine } from '@lab/stats';
import type { LabEvent, PhaseRecord, PhaseResult, PodRecord, RunResult } from './engine-types.js';
import type { Runtime } from './runtime.js';
import type { ClientExpect, Scenario, Step } from './scenario-schema.js';
import { topologyReport } from './topology-report.js';
import { evaluatePhase } from './verdict.js';

/** How a run talks to a person; the CLI prints, `--json` stays silent, the dashboard streams. */
export interface Narrator {
  /** The scenario's own narration (`say` steps). */
  say(text: string): void;
  /** What the engine is about to do. */
  step(text: string): void;
  /** A fact about the setup, such as how the runtime maps a Service. */
  detail(text: string): void;
  /** A live progress line; null clears it. */
  progress(text: string | null): void;
  /** A measured phase with its verdicts. */
  phase(result: PhaseResult): void;
  event?(event: LabEvent): void;
  /** Every client window line as it arrives (the dashboard draws them live). */
  window?(line: WindowLine): void;
}

export interface EngineOptions {
  speed: number;
  narrator: Narrator;
  /** With --step: resolves when the person asks for the next step. */
  beforeStep?: (step: Step, index: number) => Promise<void>;
  /** Leave the runtime running after the last step (the caller tears it down). */
  keep?: boolean;
}

/**
 * A window belongs to a phase when its midpoint falls inside it. Windows last
 * 500 ms, so the engine waits this long after a phase before judging it,
 * for the last window to arrive.
 */
const LAST_WINDOW_GRACE_MS = 800;
const PROGRESS_EVERY_MS = 250;

function midpoint(line: WindowLine): number {
  return (line.start + line.end) / 2;
}

function describeStep(step: Step, speed: number): string {
  const seconds = (ms: number) => `${+(ms / speed / 1000).toFixed(2)}s`;
  switch (step.action) {
    case 'say':
      return step.text;
    case 'balancer':
      return step.to === 'stop'
        ? 'stop the balancer'
        : 'start the balancer again (done once its clients have reconnected)';
    case 'deploy':
      return 'deploy the server, its Service and the clients';
    case 'scale':
      return `scale the server to ${step.replicas}`;
    case 'rollout-restart':
      return `rollout restart: replace every pod, one at a time${step.wait ? '' : ' (in the background)'}`;
    case 'kill-pod':
      return `delete pod ${step.pod}${step.graceMs === undefined ? '' : ` with grace ${seconds(step.graceMs)}`}`;
    case 'wait':
      return `wait ${seconds(step.ms)}`;
    case 'measure':
      return `measure ${step.phase} for ${seconds(step.ms)}`;
  }
}

const PINNED_BY = 'pinned-by:';

/** The note a `rollout-restart` with `wait: false` leaves when it is done. */
export const ROLLOUT_FINISHED = 'rollout restart finished';

/**
 * `pinned-by:<client>` names the pod that served that client's latest calls,
 * found from its windows, so a scenario can delete "the pod this client is
 * stuck on" on any runtime. If that pod is already gone, there is nothing to
 * delete, and the run says so.
 */
function resolvePod(
  pod: string,
  windows: WindowLine[],
  pods: PodRecord[],
): { name: string; gone: false } | { gone: true; detail: string } {
  if (!pod.startsWith(PINNED_BY)) return { name: pod, gone: false };
  const client = pod.slice(PINNED_BY.length);
  const last = windows.filter((w) => w.client === client && w.ok > 0).at(-1);
  if (!last) return { gone: true, detail: `${client} has not reached any pod: nothing to delete` };
  const [name] = Object.entries(last.backends).sort(([, a], [, b]) => b - a)[0] ?? [];
  const record = pods.find((p) => p.name === name);
  if (!name || !record || record.terminatingAt !== undefined) {
    return { gone: true, detail: `the pod ${client} was pinned to (${name}) is already gone` };
  }
  return { name, gone: false };
}

/** `--speed` divides every duration in the file, convergence bounds included. */
function scaleExpect(
  expect: Record<string, ClientExpect>,
  speed: number,
): Record<string, ClientExpect> {
  return Object.fromEntries(
    Object.entries(expect).map(([client, checks]) => [
      client,
      checks.newPodsReachedWithin === undefined
        ? checks
        : { ...checks, newPodsReachedWithin: checks.newPodsReachedWithin / speed },
    ]),
  );
}

/** Pods Ready at any moment of [start, end]. */
function readyDuring(pods: PodRecord[], start: number, end: number): string[] {
  return pods
    .filter((pod) => pod.readyAt !== undefined && pod.readyAt <= end)
    .filter((pod) => (pod.terminatingAt ?? Number.POSITIVE_INFINITY) > start)
    .map((pod) => pod.name);
}

/**
 * Runs a scenario's steps against a runtime, measures each phase from the
 * clients' window lines, and judges it. Always tears the runtime down.
 */
export async function runScenario(
  scenario: Scenario,
  runtime: Runtime,
  options: EngineOptions,
): Promise<RunResult> {
  const { narrator, speed } = options;
  const windows: WindowLine[] = [];
  const events: LabEvent[] = [];
  const phases: PhaseResult[] = [];
  const clients = scenario.clients.map((client) => client.name);
  const note = (kind: LabEvent['kind'], detail: string, pod?: string) => {
    const event: LabEvent = { at: Date.now(), kind, detail, ...(pod ? { pod } : {}) };
    events.push(event);
    narrator.event?.(event);
  };
  const startedAt = Date.now();
  /** New pods are those Ready after this moment: the end of deploy, then of each phase. */
  let baseline = startedAt;
  /** A rollout started with `wait: false`; the next action other than measure waits for it. */
  let rollout: Promise<void> | undefined;
  const finishRollout = async () => {
    if (!rollout) return;
    const pending = rollout;
    rollout = undefined;
    await pending;
  };

  try {
    for (const [index, step] of scenario.steps.entries()) {
      await options.beforeStep?.(step, index);
      if (step.action === 'say') {
        note('say', step.text);
        narrator.say(step.text);
        continue;
      }
      if (step.action !== 'measure') await finishRollout();
      narrator.step(describeStep(step, speed));
      note(step.action === 'measure' ? 'measure-start' : step.action, describeStep(step, speed));
      switch (step.action) {
        case 'deploy':
          await runtime.deploy({
            window: (line) => {
              windows.push(line);
              narrator.window?.(line);
            },
            event: (event) => {
              events.push(event);
              narrator.event?.(event);
            },
          });
          for (const line of runtime.describe()) narrator.detail(line);
          baseline = Date.now();
          break;
        case 'scale':
          await runtime.scale(step.replicas);
          break;
        case 'balancer':
          if (!runtime.balancer) throw new Error(`the ${runtime.name} runtime runs no balancer`);
          await runtime.balancer(step.to);
          break;
        case 'rollout-restart': {
          const restart = runtime.rolloutRestart().then(() => {
            if (!step.wait) note('note', ROLLOUT_FINISHED);
          });
          if (step.wait) await restart;
          else {
            // Held until awaited; a failure then fails the run like any step.
            restart.catch(() => {});
            rollout = restart;
          }
          break;
        }
        case 'kill-pod': {
          const pod = resolvePod(step.pod, windows, runtime.pods());
          if (pod.gone) {
            note('note', pod.detail);
            narrator.detail(pod.detail);
            break;
          }
          note('kill-pod', `deleted ${await runtime.killPod(pod.name, step.graceMs)}`);
          break;
        }
        case 'wait':
          await sleep(step.ms / speed);
          break;
        case 'measure': {
          const start = Date.now();
          const end = start + step.ms / speed;
          while (Date.now() < end) {
            const elapsed = (Date.now() - start) / 1000;
            narrator.progress(
              `measuring ${step.phase}: ${elapsed.toFixed(1)}s of ${((end - start) / 1000).toFixed(1)}s`,
            );
            await sleep(Math.min(PROGRESS_EVERY_MS, Math.max(0, end - Date.now())));
          }
          narrator.progress(null);
          note('measure-end', `measured ${step.phase}`);
          await sleep(LAST_WINDOW_GRACE_MS);
          const pods = runtime.pods();
          const newPods = pods
            .filter(
              (pod) => pod.readyAt !== undefined && pod.readyAt > baseline && pod.readyAt <= end,
            )
            .map((pod) => ({ name: pod.name, readyAt: pod.readyAt as number }));
          const since = Math.min(...newPods.map((pod) => pod.readyAt), start);
          const record: PhaseRecord = {
            phase: step.phase,
            start,
            end,
            windows: windows.filter((w) => midpoint(w) >= start && midpoint(w) < end),
            readyPods: readyDuring(pods, start, end),
            newPods,
            windowsSinceNewPods: windows.filter((w) => w.end >= since && midpoint(w) < end),
            expect: scaleExpect(step.expect, speed),
          };
          const result = evaluatePhase(record, clients);
          phases.push(result);
          narrator.phase(result);
          baseline = end;
          break;
        }
      }
    }
    await finishRollout();
  } catch (error) {
    await runtime.teardown();
    throw error;
  } finally {
    narrator.progress(null);
  }
  if (!options.keep) await runtime.teardown();
  const pods = runtime.pods();
  const topology = topologyReport(windows, runtime.nodeZones?.());
  events.sort((a, b) => a.at - b.at);
  return {
    scenario,
    runtime: runtime.name,
    speed,
    startedAt,
    endedAt: Date.now(),
    phases,
    events,
    pods,
    windows,
    ...(topology ? { topology } : {}),
    pass: phases.every((phase) => phase.verdicts.every((row) => row.pass)),
  };
}
