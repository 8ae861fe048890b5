#!/usr/bin/env node
/**
 * pnpm bench:convergence: how fast each discovery mode finds a new pod, and
 * how many calls it loses while pods leave. Every mode runs on its own local
 * cluster with the server, Service and client its scenario file describes:
 *   - convergence: time from a new pod turning Ready to the window holding its
 *     first served call, over N scale-ups from 2 to 3 pods;
 *   - failed calls during a 5 → 1 scale-down, during a rolling restart of 3,
 *     and, for a mode with a lookaside balancer, while it is stopped and started.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Command } from 'commander';
import { duration, intIn, positiveDuration, runCli, UsageError } from '@lab/cli';
import { LocalRuntime, loadScenario, type PodRecord, type Scenario } from '@lab/lab';
import { createLatencyHistogram, recordLatencyMs, type WindowLine } from '@lab/stats';
import { repoRoot, stopChildrenOnSignal, table, workFromRepoRoot } from './script-kit.js';

/** Each mode: the scenario whose setup it uses, and the client in it that shows the mode. */
const MODES = {
  'api-resolver': { scenario: 'api-resolver', client: 'api' },
  're-resolve-pool': { scenario: 're-resolve-pool', client: 'pool' },
  grpclb: { scenario: 'grpclb', client: 'grpclb' },
  'xds-proxyless': { scenario: 'xds-proxyless', client: 'xds' },
  'headless-dns-max-age': { scenario: 'headless-dns-max-age', client: 'round-robin-fast' },
} as const;
type Mode = keyof typeof MODES;

/** The goal issue #4 sets for the API resolver on the local runtime. */
const API_RESOLVER_P95_GOAL_MS = 250;
/** How long disruption is still counted after a scale-down or restart has returned. */
const DRAIN_TAIL_MS = 3000;
/** How long the lookaside balancer (or the xDS control plane) stays stopped. */
const BALANCER_DOWN_MS = 3000;

interface Flags {
  scaleUps: number;
  modes: Mode[];
  windowMs: number;
  reachTimeout: number;
  jitter: number;
  json?: boolean;
}

interface Result {
  mode: Mode;
  samples: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  failedScaleDown: number;
  failedRestart: number;
  /** Calls failed while the lookaside balancer was stopped and started again; null without one. */
  failedBalancerRestart: number | null;
}

function parseModes(value: string): Mode[] {
  const modes = value.split(',').map((mode) => mode.trim());
  for (const mode of modes) {
    if (!(mode in MODES))
      throw new UsageError(`unknown mode '${mode}'; known: ${Object.keys(MODES).join(', ')}`);
  }
  return modes as Mode[];
}

/** The mode's scenario, cut down to its one client, starting at 2 replicas. */
function benchScenario(mode: Mode): Scenario {
  const { scenario: id, client } = MODES[mode];
  const { scenario } = loadScenario(`${repoRoot}/k8s/scenarios`, id, repoRoot);
  const chosen = scenario.clients.filter((c) => c.name === client);
  if (chosen.length !== 1) throw new Error(`${id} has no client named ${client}`);
  return { ...scenario, server: { ...scenario.server, replicas: 2 }, clients: chosen };
}

class Bench {
  readonly windows: WindowLine[] = [];
  readonly runtime: LocalRuntime;

  constructor(
    readonly mode: Mode,
    private readonly flags: Flags,
  ) {
    this.runtime = new LocalRuntime(benchScenario(mode), { speed: 1, windowMs: flags.windowMs });
  }

  async deploy(): Promise<void> {
    await this.runtime.deploy({ window: (line) => this.windows.push(line), event: () => {} });
  }

  /** Resolves with the end of the first window, after `after`, in which `pod` served a call. */
  async firstCallTo(pod: string, after: number): Promise<number> {
    const deadline = Date.now() + this.flags.reachTimeout;
    for (;;) {
      const hit = this.windows.find((w) => w.end >= after && (w.backends[pod] ?? 0) > 0);
      if (hit) return hit.end;
      if (Date.now() > deadline)
        throw new Error(`${this.mode}: ${pod} got no call within ${this.flags.reachTimeout} ms`);
      await sleep(this.flags.windowMs / 2);
    }
  }

  /** Waits until every live Ready pod has served a call since `since`. */
  async reachAll(since: number): Promise<void> {
    for (const pod of this.livePods()) await this.firstCallTo(pod.name, since);
  }

  livePods(): PodRecord[] {
    return this.runtime
      .pods()
      .filter((pod) => pod.readyAt !== undefined && pod.terminatingAt === undefined);
  }

  failedBetween(start: number, end: number): number {
    return this.windows
      .filter((w) => (w.start + w.end) / 2 >= start && (w.start + w.end) / 2 < end)
      .reduce((sum, w) => sum + Object.values(w.errors).reduce((a, b) => a + b, 0), 0);
  }

  /** Failed calls from just before `action` until DRAIN_TAIL_MS after it returned. */
  async failedDuring(action: () => Promise<void>): Promise<number> {
    const start = Date.now();
    await action();
    await sleep(DRAIN_TAIL_MS + 2 * this.flags.windowMs);
    return this.failedBetween(start, Date.now() - this.flags.windowMs);
  }
}

async function benchMode(mode: Mode, flags: Flags, log: (line: string) => void): Promise<Result> {
  const bench = new Bench(mode, flags);
  try {
    await bench.deploy();
    await bench.reachAll(Date.now());
    const histogram = createLatencyHistogram();
    for (let i = 1; i <= flags.scaleUps; i += 1) {
      // Each cycle takes about as long as a pool's interval or a connection's age, so
      // without a random pause every scale-up would fall at the same point of that
      // timer, and the samples would all be alike.
      await sleep(Math.random() * flags.jitter);
      const before = new Set(bench.runtime.pods().map((pod) => pod.name));
      await bench.runtime.scale(3);
      const added = bench.runtime.pods().find((pod) => !before.has(pod.name));
      if (!added?.readyAt) throw new Error(`${mode}: scale-up ${i} made no Ready pod`);
      const reached = await bench.firstCallTo(added.name, added.readyAt);
      const delay = Math.max(0, reached - added.readyAt);
      recordLatencyMs(histogram, delay);
      log(
        `${mode}: scale-up ${i}/${flags.scaleUps}: ${added.name} reached ${delay} ms after Ready`,
      );
      await bench.runtime.scale(2);
      await sleep(flags.windowMs * 2);
    }
    // The histogram holds microseconds; a window is tens of ms, so whole ms are plenty.
    const ms = (percentile: number) =>
      Math.round(histogram.getValueAtPercentile(percentile) / 1000);
    const convergence = { p50Ms: ms(50), p95Ms: ms(95), maxMs: ms(100) };
    histogram.destroy();

    await bench.runtime.scale(5);
    await bench.reachAll(Date.now());
    const failedScaleDown = await bench.failedDuring(() => bench.runtime.scale(1));
    log(`${mode}: 5 → 1 scale-down: ${failedScaleDown} failed calls`);
    await bench.runtime.scale(3);
    await bench.reachAll(Date.now());
    const failedRestart = await bench.failedDuring(() => bench.runtime.rolloutRestart());
    log(`${mode}: rolling restart of 3: ${failedRestart} failed calls`);
    let failedBalancerRestart: number | null = null;
    if (bench.runtime.hasBalancer) {
      failedBalancerRestart = await bench.failedDuring(async () => {
        await bench.runtime.balancer('stop');
        await sleep(BALANCER_DOWN_MS);
        await bench.runtime.balancer('start');
      });
      log(
        `${mode}: balancer down ${BALANCER_DOWN_MS} ms, then back: ${failedBalancerRestart} failed calls`,
      );
    }
    return {
      mode,
      samples: flags.scaleUps,
      ...convergence,
      failedScaleDown,
      failedRestart,
      failedBalancerRestart,
    };
  } finally {
    await bench.runtime.teardown();
  }
}

const program = new Command('bench-convergence')
  .description(
    'Measures, per discovery mode on the local runtime, the time from a new pod turning Ready to\n' +
      'its first served call (over repeated scale-ups), and the calls failed during a 5 → 1\n' +
      'scale-down, a rolling restart and (grpclb) a balancer restart. Each mode uses the setup of\n' +
      'its scenario file.',
  )
  .option('--scale-ups <n>', 'scale-ups per mode', intIn(1, 1000), 20)
  .option(
    '--modes <list>',
    `comma-separated modes (${Object.keys(MODES).join(', ')})`,
    parseModes,
    Object.keys(MODES) as Mode[],
  )
  .option(
    '--window-ms <ms>',
    "the clients' window: convergence is known to within one window",
    intIn(10, 1000),
    50,
  )
  .option(
    '--reach-timeout <duration>',
    'longest wait for a new pod to be reached',
    positiveDuration,
    30_000,
  )
  .option(
    '--jitter <duration>',
    'a random pause of up to this long before each scale-up',
    duration,
    2000,
  )
  .option('--json', 'print the results as JSON')
  .action(async (flags: Flags) => {
    workFromRepoRoot();
    stopChildrenOnSignal('bench-convergence');
    const started = Date.now();
    const log = (line: string) => process.stderr.write(`${line}\n`);
    const results: Result[] = [];
    for (const mode of flags.modes) results.push(await benchMode(mode, flags, log));
    if (flags.json) console.log(JSON.stringify(results, null, 2));
    else {
      const out = table([
        'mode',
        'scale-ups',
        'convergence p50',
        'p95',
        'max',
        'failed, 5 → 1',
        'failed, restart',
        'failed, balancer restart',
      ]);
      for (const r of results) {
        out.push([
          r.mode,
          r.samples,
          `${r.p50Ms} ms`,
          `${r.p95Ms} ms`,
          `${r.maxMs} ms`,
          r.failedScaleDown,
          r.failedRestart,
          r.failedBalancerRestart ?? '-',
        ]);
      }
      console.log(out.toString());
      console.log(
        `Convergence is an upper bound: the end of the ${flags.windowMs} ms window that holds the new pod's first call.`,
      );
    }
    const api = results.find((r) => r.mode === 'api-resolver');
    const goal = api
      ? `; api-resolver p95 ${api.p95Ms} ms (goal ≤ ${API_RESOLVER_P95_GOAL_MS} ms: ${api.p95Ms <= API_RESOLVER_P95_GOAL_MS ? 'met' : 'missed'}), ${api.failedScaleDown + api.failedRestart} failed (goal 0: ${api.failedScaleDown + api.failedRestart === 0 ? 'met' : 'missed'})`
      : '';
    console.log(
      `bench-convergence: ${results.length} modes, ${flags.scaleUps} scale-ups each, in ${((Date.now() - started) / 1000).toFixed(0)} s${goal}`,
    );
  });

await runCli(program);
