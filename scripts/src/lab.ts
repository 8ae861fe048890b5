#!/usr/bin/env node
/**
 * pnpm lab: run a scenario end to end, narrate it, measure it, judge it.
 *   pnpm lab list
 *   pnpm lab <id> [--runtime local|kind] [--dashboard] [--step] [--speed N] [--json] [--report-dir D] [--keep] [--dry-run]
 *   pnpm lab all [--runtime local|kind] [--speed N] [--dry-run]
 *   pnpm lab down [--dry-run]          delete the kind cluster
 *   pnpm lab <id> --runtime cluster --context C --registry R [--namespace N] [--yes] [--dry-run]
 *   pnpm lab down --runtime cluster --context C [--namespace N] [--dry-run]
 *   pnpm lab compare [ids...]        one matrix for several setups (lab-compare.ts)
 *   pnpm lab report <report.json>    a saved run as one HTML file (lab-report.ts)
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { Command, Option } from 'commander';
import { numberAtLeast, oneOf, runCli, UsageError } from '@lab/cli';
import {
  checkTools,
  KIND_DOWN_TOOLS,
  kindToolsFor,
  kindClusterOf,
  listScenarioIds,
  loadScenario,
  missingToolsMessage,
  type Narrator,
  planKindDown,
  planKindRun,
  type RunResult,
  type Runtime,
  runScenario,
  renderTopologyLines,
  renderVerdictTable,
  silentNarrator,
  summarizeVerdicts,
  terminalNarrator,
  writeReport,
  ZxRunner,
} from '@lab/lab';
import { dashboardOptions, startLabDashboard } from './lab-dashboard.js';
import {
  clusterDownCommand,
  clusterOptions,
  printClusterPlan,
  refuseClusterFlags,
} from './lab-cluster.js';
import {
  checkRuntime,
  createLabRuntime,
  KIND_CLUSTER_CONFIG,
  LAB_RUNTIMES,
  manifestsOf,
  type RuntimeFlags,
  refuseClusterSpeed,
  stopEverythingOnSignal,
} from './lab-runtime.js';
import { repoRoot, table, workFromRepoRoot } from './script-kit.js';

/** Where --keep leaves the local cluster's kubeconfig, relative to the repository root. */
const KEEP_KUBECONFIG = '.lab/kubeconfig';

interface Flags extends RuntimeFlags {
  scenariosDir: string;
  step?: boolean;
  json?: boolean;
  reportDir: string;
  dryRun?: boolean;
}

/** The runtime a run is using, so Ctrl-C can tear it down (a kind namespace outlives the process). */
let active: Runtime | undefined;

/** --dry-run: the kind runtime's command plan, printed; nothing runs. */
async function printPlan(id: string, flags: Flags): Promise<number> {
  const loaded = loadScenario(flags.scenariosDir, id, repoRoot);
  if (flags.runtime === 'cluster') return printClusterPlan(loaded, flags, flags.keep === true);
  checkRuntime(loaded, flags.runtime);
  const plan = await planKindRun(loaded, {
    root: repoRoot,
    clusterConfig: KIND_CLUSTER_CONFIG,
    keep: flags.keep === true,
    tools: await checkTools(kindToolsFor(loaded.scenario.tools)),
  });
  process.stdout.write(plan.text);
  const commands = new Set(['run', 'stream', 'branch']);
  return plan.entries.filter((entry) => commands.has(entry.kind)).length;
}

/** pnpm lab down: deletes the kind cluster if there is one; again is fine. */
async function down(flags: Flags): Promise<void> {
  if (flags.runtime === 'cluster') return clusterDownCommand(flags, flags.dryRun === true);
  const tools = await checkTools(KIND_DOWN_TOOLS);
  if (flags.dryRun) {
    process.stdout.write(
      await planKindDown({ root: repoRoot, clusterConfig: KIND_CLUSTER_CONFIG, tools }),
    );
    console.log('lab down --dry-run: nothing was run');
    return;
  }
  const missing = missingToolsMessage(tools, 'pnpm lab down');
  if (missing) throw new UsageError(missing);
  const cluster = kindClusterOf(repoRoot, KIND_CLUSTER_CONFIG);
  const deleted = await cluster.down(new ZxRunner({ cwd: repoRoot }));
  console.log(
    deleted
      ? `lab down: deleted the kind cluster ${cluster.name}`
      : `lab down: no kind cluster ${cluster.name}; nothing to delete`,
  );
}

async function stepper(
  flags: Flags,
): Promise<((step: unknown, index: number) => Promise<void>) | undefined> {
  if (!flags.step) return undefined;
  if (!process.stdin.isTTY)
    throw new UsageError('--step waits for Enter between steps, so it needs a terminal');
  const prompt = createInterface({ input: process.stdin, output: process.stdout });
  return async (_step, index) => {
    if (index > 0) await prompt.question('  (Enter for the next step)');
  };
}

async function runOne(
  id: string,
  flags: Flags,
  narrator: Narrator,
): Promise<{ result: RunResult; report: string }> {
  const loaded = loadScenario(flags.scenariosDir, id, repoRoot);
  const runtime = await createLabRuntime(loaded, flags);
  active = runtime;
  const beforeStep = await stepper(flags);
  const { scenario } = loaded;
  narrator.say(`${scenario.title}. ${scenario.claim}`);
  const result = await runScenario(scenario, runtime, {
    speed: flags.speed,
    narrator,
    keep: flags.keep === true,
    ...(beforeStep ? { beforeStep } : {}),
  });
  if (flags.keep && runtime.name === 'cluster') {
    // The namespace stays; the teardown said how to remove it.
    await runtime.teardown();
    for (const line of runtime.describe()) narrator.say(line);
  } else if (flags.keep && runtime.name === 'kind') {
    // The namespace stays on the cluster; only what this process follows stops.
    await runtime.teardown();
    for (const line of runtime.describe()) narrator.say(line);
    const { context } = kindClusterOf(repoRoot, KIND_CLUSTER_CONFIG);
    narrator.say(
      `--keep: namespace ${scenario.namespace} stays on the cluster, clients included; kubectl --context ${context} delete namespace ${scenario.namespace} removes it, pnpm lab down the whole cluster.`,
    );
  } else if (flags.keep) {
    for (const line of runtime.describe()) narrator.say(line);
    const kubeconfig = runtime.kubeconfig?.();
    if (kubeconfig !== undefined) {
      const path = resolve(repoRoot, KEEP_KUBECONFIG);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, kubeconfig);
      narrator.say(
        `kubeconfig: ${KEEP_KUBECONFIG}; try kubectl --kubeconfig ${KEEP_KUBECONFIG} get endpointslices,pods -n ${scenario.namespace}`,
      );
    }
    narrator.say('--keep: the cluster and the clients keep running; Ctrl-C stops them all.');
  }
  const files = await writeReport(result, resolve(repoRoot, flags.reportDir));
  return { result, report: relative(repoRoot, files.markdown) };
}

function verdictRows(result: RunResult) {
  return result.phases.flatMap((phase) => phase.verdicts);
}

const program = new Command('lab')
  .description(
    'Runs a grpc-lb-lab scenario end to end: deploy, drive traffic, scale, measure, judge.',
  )
  .argument(
    '<scenario>',
    'a scenario id, `list` for the scenarios, `all` to run every one this runtime supports, or `down` to delete the kind cluster; `lab compare --help` and `lab report --help` for the subcommands',
  )
  .addOption(
    new Option(
      '--runtime <name>',
      'where to run: local (processes on loopback), kind (a kind cluster) or cluster (an existing cluster: --context, --registry)',
    )
      .argParser(oneOf(...LAB_RUNTIMES))
      .default('local'),
  )
  .option('--step', 'pause before each step, like a live talk (needs a terminal)')
  .option(
    '--speed <n>',
    'divide every duration in the scenario by n, for quick runs',
    numberAtLeast(0.1),
    1,
  )
  .option('--json', 'print the result as JSON instead of the narration')
  .option('--report-dir <dir>', 'where reports go, relative to the repository root', '.lab/reports')
  .option(
    '--keep',
    'leave the run up afterwards: the local cluster until Ctrl-C, or the namespace on the kind or existing cluster',
  )
  .option(
    '--dry-run',
    'with --runtime kind or cluster (or `down`): print every docker, kind and kubectl command a run executes, in order, and run none',
  )
  .option(
    '--scenarios-dir <dir>',
    'where scenario folders are, relative to the repository root (for scenarios of your own)',
    'k8s/scenarios',
  )
  .addHelpText(
    'after',
    `\nScenarios live in k8s/scenarios/<id>/scenario.yaml; docs/writing-a-scenario.md describes them,\ndocs/kind-runtime.md the kind runtime, docs/cluster-runtime.md the cluster runtime.\nExit codes: 0 every check passed, 1 a check failed, 2 bad input or a missing tool, 130 interrupted.`,
  )
  .action(async (id: string, flags: Flags) => {
    workFromRepoRoot();
    const scenariosDir = resolve(repoRoot, flags.scenariosDir);
    flags.scenariosDir = scenariosDir;
    const ids = listScenarioIds(scenariosDir);
    if (id === 'list') {
      const out = table(['id', 'title', 'runtimes', 'claim']);
      for (const scenarioId of ids) {
        const { scenario } = loadScenario(scenariosDir, scenarioId, repoRoot);
        out.push([scenario.id, scenario.title, scenario.runtimes.join(', '), scenario.claim]);
      }
      console.log(out.toString());
      console.log(`lab: ${ids.length} scenarios`);
      return;
    }
    refuseClusterFlags(flags, flags.runtime);
    if (id === 'down') {
      await down(flags);
      return;
    }
    if (flags.dryRun && flags.runtime === 'local') {
      throw new UsageError(
        "--dry-run prints the kind runtime's command plan; add --runtime kind (the local runtime runs no commands)",
      );
    }
    refuseClusterSpeed(flags);
    if (id === 'all' && flags.keep) throw new UsageError('--keep goes with one scenario, not all');
    if (flags.dryRun) {
      const planned = id === 'all' ? ids : [id];
      if (id !== 'all' && !ids.includes(id))
        throw new UsageError(
          `unknown scenario '${id}'; known: ${ids.join(', ')} (or list, all, down, compare, report)`,
        );
      let commands = 0;
      for (const scenarioId of planned) {
        const { scenario } = loadScenario(scenariosDir, scenarioId, repoRoot);
        if (!scenario.runtimes.includes('kind')) continue;
        if (id === 'all') console.log(`\n━━ ${scenarioId} ━━`);
        commands += await printPlan(scenarioId, flags);
      }
      console.log(
        `lab ${id} --runtime ${flags.runtime} --dry-run: ${commands} commands planned, none run`,
      );
      return;
    }
    stopEverythingOnSignal('lab', () => active);
    const dashboard = await startLabDashboard(id, flags);
    const base = flags.json ? silentNarrator : terminalNarrator();
    const narrator = dashboard?.narrate(base) ?? base;
    if (id === 'all') {
      const started = Date.now();
      const rows: { id: string; result: RunResult; report: string }[] = [];
      for (const scenarioId of ids) {
        const { scenario } = loadScenario(scenariosDir, scenarioId, repoRoot);
        if (!scenario.runtimes.includes(manifestsOf(flags.runtime))) continue;
        if (!flags.json) console.log(`\n━━ ${scenarioId} ━━`);
        rows.push({ id: scenarioId, ...(await runOne(scenarioId, flags, narrator)) });
      }
      const passed = rows.filter((row) => row.result.pass).length;
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      if (flags.json) {
        console.log(
          JSON.stringify(
            rows.map(({ id: rowId, result, report }) => ({
              id: rowId,
              pass: result.pass,
              wallMs: result.endedAt - result.startedAt,
              checks: verdictRows(result),
              report,
            })),
            null,
            2,
          ),
        );
      } else {
        const out = table(['scenario', 'result', 'checks passed', 'wall time', 'report']);
        for (const { id: rowId, result, report } of rows) {
          const checks = verdictRows(result);
          out.push([
            rowId,
            result.pass ? 'PASS' : 'FAIL',
            `${checks.filter((c) => c.pass).length} of ${checks.length}`,
            `${((result.endedAt - result.startedAt) / 1000).toFixed(1)} s`,
            report,
          ]);
        }
        console.log(`\n${out.toString()}`);
      }
      console.log(
        `lab all: ${passed} of ${rows.length} scenarios PASS on the ${flags.runtime} runtime in ${seconds} s`,
      );
      if (passed !== rows.length) process.exitCode = 1;
      return;
    }
    if (!ids.includes(id))
      throw new UsageError(
        `unknown scenario '${id}'; known: ${ids.join(', ')} (or list, all, down, compare, report)`,
      );
    const { result, report } = await runOne(id, flags, narrator);
    const rows = verdictRows(result);
    const seconds = ((result.endedAt - result.startedAt) / 1000).toFixed(1);
    if (flags.json) {
      console.log(
        JSON.stringify(
          {
            id,
            runtime: result.runtime,
            speed: result.speed,
            pass: result.pass,
            wallMs: result.endedAt - result.startedAt,
            checks: rows,
            ...(result.topology ? { topology: result.topology } : {}),
            report,
          },
          null,
          2,
        ),
      );
    } else {
      console.log(renderVerdictTable(rows));
      if (result.topology) console.log(renderTopologyLines(result.topology).join('\n'));
      console.log(`report: ${report}`);
    }
    console.log(`${summarizeVerdicts(id, rows)} in ${seconds} s`);
    if (!result.pass) process.exitCode = 1;
    await dashboard?.finish(result);
    // The local cluster lives in this process; a kind run's namespace does not need it.
    if (flags.keep && flags.runtime === 'local') await new Promise(() => {});
  });

for (const option of dashboardOptions()) program.addOption(option);
for (const option of clusterOptions()) program.addOption(option);

/**
 * Subcommands that take other arguments than a scenario id have their own
 * file and their own --help: `pnpm lab compare …`.
 */
const SUBCOMMANDS: Record<string, () => Promise<{ command: Command }>> = {
  compare: () => import('./lab-compare.js'),
  report: () => import('./lab-report.js'),
};

const sub = SUBCOMMANDS[process.argv[2] ?? ''];
if (sub) {
  const { command } = await sub();
  await runCli(command, [process.argv[0]!, process.argv[1]!, ...process.argv.slice(3)]);
} else {
  await runCli(program);
}
