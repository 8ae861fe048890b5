/**
 * pnpm lab <id> --dashboard: the live page beside the terminal narration.
 * lab.ts only adds these options and calls startLabDashboard and finish.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { numberAtLeast, port, UsageError } from '@lab/cli';
import {
  combineNarrators,
  createDashboard,
  DashboardListenError,
  DEFAULT_DASHBOARD_HOST,
  DEFAULT_DASHBOARD_PORT,
  dashboardNarrator,
  scenarioInfo,
} from '@lab/dashboard';
import { loadScenario, type Narrator, type RunResult } from '@lab/lab';
import { Option } from 'commander';
import { repoRoot } from './script-kit.js';

export interface DashboardFlags {
  dashboard?: boolean;
  dashboardPort?: number;
  dashboardHost?: string;
  /** Seconds the page stays up after the run; undefined: until Ctrl-C on a terminal, else 0. */
  dashboardLinger?: number;
  json?: boolean;
  runtime: string;
  speed: number;
  scenariosDir: string;
}

export function dashboardOptions(): Option[] {
  return [
    new Option(
      '--dashboard',
      'serve a live view of the run on 127.0.0.1 and print its URL (opens nothing; docs/dashboard.md)',
    ),
    new Option('--dashboard-port <port>', "the dashboard's port; 0 picks a free one")
      .argParser(port)
      .default(DEFAULT_DASHBOARD_PORT),
    new Option(
      '--dashboard-host <address>',
      'the address the dashboard listens on; anyone who can reach it sees the run',
    ).default(DEFAULT_DASHBOARD_HOST),
    new Option(
      '--dashboard-linger <seconds>',
      'how long the page stays up once the run is over (default: until Ctrl-C when stdin is a terminal, else 0)',
    ).argParser(numberAtLeast(0)),
  ];
}

export interface LabDashboard {
  url: string;
  /** `base` (the terminal narrator, or the silent one for --json) plus the dashboard. */
  narrate(base: Narrator): Narrator;
  /** Tells the page the run is over, keeps it up as --dashboard-linger says, then stops serving. */
  finish(result: RunResult): Promise<void>;
  close(): Promise<void>;
}

/** Lines for a person: on stdout with the narration, on stderr when stdout is --json. */
function tell(flags: DashboardFlags, text: string): void {
  (flags.json ? process.stderr : process.stdout).write(`${text}\n`);
}

/**
 * Starts the dashboard for one scenario run, or returns undefined without
 * --dashboard. Its server does not keep the process alive: a run that fails
 * exits as it would without it. Ctrl-C closes it.
 */
export async function startLabDashboard(
  id: string,
  flags: DashboardFlags,
): Promise<LabDashboard | undefined> {
  if (!flags.dashboard) return undefined;
  if (id === 'all') throw new UsageError('--dashboard follows one scenario, not all');
  const { scenario } = loadScenario(flags.scenariosDir, id, repoRoot);
  const host = flags.dashboardHost ?? DEFAULT_DASHBOARD_HOST;
  const dashboard = await createDashboard({
    host,
    port: flags.dashboardPort ?? DEFAULT_DASHBOARD_PORT,
    keepProcessAlive: false,
  }).catch((error: unknown) => {
    throw error instanceof DashboardListenError ? new UsageError(error.message) : error;
  });
  const close = () => void dashboard.close();
  process.once('SIGINT', close);
  process.once('SIGTERM', close);
  dashboard.feed.publish({
    type: 'hello',
    run: dashboard.feed.run,
    at: Date.now(),
    scenario: scenarioInfo(scenario, flags.runtime, flags.speed),
  });
  tell(flags, `lab: dashboard at ${dashboard.url} (it follows the run live; Ctrl-C stops it)`);
  if (host !== DEFAULT_DASHBOARD_HOST && host !== 'localhost' && host !== '::1') {
    tell(
      flags,
      `lab: warning: the dashboard listens on ${host}: anyone who can reach it sees the run`,
    );
  }
  return {
    url: dashboard.url,
    narrate: (base) => combineNarrators(base, dashboardNarrator(dashboard.feed)),
    async finish(result) {
      dashboard.feed.publish({ type: 'end', at: Date.now(), pass: result.pass });
      const linger = flags.dashboardLinger ?? (process.stdin.isTTY ? Number.POSITIVE_INFINITY : 0);
      if (linger > 0) {
        tell(
          flags,
          Number.isFinite(linger)
            ? `lab: the dashboard stays up at ${dashboard.url} for ${linger} s`
            : `lab: the dashboard stays up at ${dashboard.url}; Ctrl-C stops it`,
        );
        // A timer that holds the process, unlike the server.
        if (Number.isFinite(linger)) await sleep(linger * 1000);
        else await new Promise(() => setInterval(() => {}, 1 << 30));
      }
      process.off('SIGINT', close);
      process.off('SIGTERM', close);
      await dashboard.close();
    },
    close: () => dashboard.close(),
  };
}
