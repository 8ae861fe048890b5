#!/usr/bin/env node
/**
 * pnpm lab: run a scenario end to end, narrate it, measure it, judge it.
 *   pnpm lab list
 *   pnpm lab <id> [--runtime local|kind] [--step] [--speed N] [--json] [--report-dir D] [--keep]
 *   pnpm lab all [--runtime local] [--speed N]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { Command, Option } from 'commander';
import { numberAtLeast, oneOf, runCli, UsageError } from '@lab/cli';
import {
  type LoadedScenario,
  LocalRuntime,
  listScenarioIds,
  loadScenario,
  type Narrator,
  type RunResult,
  type Runtime,
  runScenario,
  renderVerdictTable,
  silentNarrator,
  summarizeVerdicts,
  terminalNarrator,
  writeReport,
} from '@lab/lab';
import { repoRoot, stopChildrenOnSignal, table, workFromRepoRoot } from './script-kit.js';

/** Where --keep leaves the local cluster's kubeconfig, relative to the repository root. */
const KEEP_KUBECONFIG = '.lab/kubeconfig';

interface Flags {
  scenariosDir: string;
  runtime: 'local' | 'kind';
  step?: boolean;
  speed: number;
  json?: boolean;
  reportDir: string;
  keep?: boolean;
}

function createRuntime(loaded: LoadedScenario, flags: Flags): Runtime {
  const { scenario } = loaded;
  if (!scenario.runtimes.includes(flags.runtime)) {
    throw new UsageError(
      `${scenario.id} runs on ${scenario.runtimes.join(', ')}, not on the ${flags.runtime} runtime` +
        (scenario.runtimes.includes('kind') ? ' (try --runtime kind)' : ''),
    );
  }
  if (flags.runtime === 'kind') {
    throw new UsageError(
      'the kind runtime is not implemented yet; this build runs scenarios on --runtime local only',
    );
  }
  return new LocalRuntime(scenario, { speed: flags.speed });
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
  const runtime = createRuntime(loaded, flags);
  const beforeStep = await stepper(flags);
  const { scenario } = loaded;
  narrator.say(`${scenario.title}. ${scenario.claim}`);
  const result = await runScenario(scenario, runtime, {
    speed: flags.speed,
    narrator,
    keep: flags.keep === true,
    ...(beforeStep ? { beforeStep } : {}),
  });
  if (flags.keep) {
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
    'a scenario id, `list` for the scenarios, or `all` to run every one this runtime supports',
  )
  .addOption(
    new Option('--runtime <name>', 'where to run')
      .argParser(oneOf('local', 'kind'))
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
  .option('--keep', 'leave the local cluster running after the run, until Ctrl-C')
  .option(
    '--scenarios-dir <dir>',
    'where scenario folders are, relative to the repository root (for scenarios of your own)',
    'k8s/scenarios',
  )
  .addHelpText(
    'after',
    `\nScenarios live in k8s/scenarios/<id>/scenario.yaml; docs/writing-a-scenario.md describes them.\nExit codes: 0 every check passed, 1 a check failed, 2 bad input, 130 interrupted.`,
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
    stopChildrenOnSignal('lab');
    const narrator = flags.json ? silentNarrator : terminalNarrator();
    if (id === 'all' && flags.keep) throw new UsageError('--keep goes with one scenario, not all');
    if (id === 'all') {
      const started = Date.now();
      const rows: { id: string; result: RunResult; report: string }[] = [];
      for (const scenarioId of ids) {
        const { scenario } = loadScenario(scenariosDir, scenarioId, repoRoot);
        if (!scenario.runtimes.includes(flags.runtime)) continue;
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
      throw new UsageError(`unknown scenario '${id}'; known: ${ids.join(', ')} (or list, all)`);
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
            report,
          },
          null,
          2,
        ),
      );
    } else {
      console.log(renderVerdictTable(rows));
      console.log(`report: ${report}`);
    }
    console.log(`${summarizeVerdicts(id, rows)} in ${seconds} s`);
    if (!result.pass) process.exitCode = 1;
    if (flags.keep) await new Promise(() => {});
  });

await runCli(program);
