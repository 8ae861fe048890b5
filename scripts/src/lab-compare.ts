/**
 * pnpm lab compare: runs a set of scenarios under one common protocol and
 * prints one matrix of measured numbers, the table a talk ends with.
 *   pnpm lab compare [ids...] [--runtime local|kind|cluster] [--speed N] [--json] [--converge 15s]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { duration, numberAtLeast, oneOf, UsageError } from '@lab/cli';
import {
  COMPARE_DEFAULTS,
  COMPARE_HEADERS,
  type CompareRow,
  type Runtime,
  compareCells,
  compareRows,
  compareScenario,
  listScenarioIds,
  loadScenario,
  renderCompareMarkdown,
  runScenario,
  silentNarrator,
  terminalNarrator,
  writeReport,
} from '@lab/lab';
import { clusterOptions, refuseClusterFlags } from './lab-cluster.js';
import {
  createLabRuntime,
  LAB_RUNTIMES,
  manifestsOf,
  type RuntimeFlags,
  refuseClusterSpeed,
  stopEverythingOnSignal,
} from './lab-runtime.js';
import { repoRoot, table, workFromRepoRoot } from './script-kit.js';

interface Flags extends RuntimeFlags {
  json?: boolean;
  converge: number;
  reportDir: string;
  scenariosDir: string;
}

function pickScenarios(requested: string[], flags: Flags): string[] {
  const known = listScenarioIds(flags.scenariosDir);
  for (const id of requested) {
    if (!known.includes(id))
      throw new UsageError(`unknown scenario '${id}'; known: ${known.join(', ')}`);
  }
  const supported = known.filter((id) =>
    loadScenario(flags.scenariosDir, id, repoRoot).scenario.runtimes.includes(
      manifestsOf(flags.runtime),
    ),
  );
  if (requested.length === 0) return supported;
  const refused = requested.filter((id) => !supported.includes(id));
  if (refused.length > 0) {
    throw new UsageError(
      `${refused.join(', ')} cannot run on the ${flags.runtime} runtime; this runtime runs ${supported.join(', ')}`,
    );
  }
  return requested;
}

export const command = new Command('lab compare')
  .description(
    'Runs scenarios under one common protocol (scale up to 5, down to 2, rolling restart) and prints one matrix: spread, time to new pods, failed calls, latency, hops, client changes.',
  )
  .argument('[scenarios...]', 'scenario ids (default: every scenario the runtime runs)')
  .addOption(
    new Option('--runtime <name>', 'where to run the scenarios')
      .argParser(oneOf(...LAB_RUNTIMES))
      .default('local'),
  )
  .option('--speed <n>', 'divide every duration of the protocol by n', numberAtLeast(0.1), 1)
  .option(
    '--converge <duration>',
    'how long new pods get to receive their first call after the scale-up',
    duration,
    COMPARE_DEFAULTS.convergeMs,
  )
  .option('--json', 'print the rows as JSON instead of the narration and the table')
  .option('--report-dir <dir>', 'where reports go, relative to the repository root', '.lab/reports')
  .option(
    '--scenarios-dir <dir>',
    'where scenario folders are, relative to the repository root',
    'k8s/scenarios',
  )
  .addHelpText(
    'after',
    `
Each scenario keeps its deployment (Service, clients, balancer, DNS) and runs the
same steps: measure 4s, scale to 5, watch the new pods for --converge, measure
the spread for 6s, scale to 2 and watch 12s, rolling restart and watch 12s.
"L7 hops" and "client change" come from each client's setup: block in
scenario.yaml; everything else is measured. docs/compare.md explains each column.
Exit codes: 0 done, 2 bad input, 130 interrupted.`,
  )
  .action(async (requested: string[], flags: Flags) => {
    workFromRepoRoot();
    refuseClusterFlags(flags, flags.runtime);
    refuseClusterSpeed(flags);
    flags.scenariosDir = resolve(repoRoot, flags.scenariosDir);
    const ids = pickScenarios(requested, flags);
    const narrator = flags.json ? silentNarrator : terminalNarrator();
    let active: Runtime | undefined;
    stopEverythingOnSignal('lab compare', () => active);
    const rows: CompareRow[] = [];
    const reports: string[] = [];
    const started = Date.now();
    for (const id of ids) {
      const loaded = loadScenario(flags.scenariosDir, id, repoRoot);
      if (!flags.json) console.log(`\n━━ ${id} ━━`);
      const scenario = compareScenario(loaded.scenario, {
        ...COMPARE_DEFAULTS,
        convergeMs: flags.converge,
      });
      const runtime = await createLabRuntime({ ...loaded, scenario }, flags);
      active = runtime;
      const result = await runScenario(scenario, runtime, { speed: flags.speed, narrator });
      active = undefined;
      rows.push(...compareRows(result));
      const files = await writeReport(result, resolve(repoRoot, flags.reportDir));
      reports.push(relative(repoRoot, files.json));
    }
    const stamp = new Date(started).toISOString().replaceAll(':', '-');
    const out = resolve(repoRoot, flags.reportDir, `compare-${flags.runtime}-${stamp}.md`);
    await mkdir(resolve(repoRoot, flags.reportDir), { recursive: true });
    await writeFile(
      out,
      [
        `# lab compare (${flags.runtime} runtime, speed ${flags.speed}×)`,
        renderCompareMarkdown(rows),
        ['Runs:', ...reports.map((report) => `- ${report}`)].join('\n'),
        '',
      ].join('\n\n'),
    );
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    if (flags.json) {
      console.log(JSON.stringify({ runtime: flags.runtime, speed: flags.speed, rows }, null, 2));
    } else {
      // Setup and client change are prose; wrapped, the matrix fits a 160-column terminal.
      const matrix = table([...COMPARE_HEADERS], [30, 16, 14, 12, 14, 12, 7, 30]);
      for (const row of rows) matrix.push(compareCells(row));
      console.log(`\n${matrix.toString()}`);
      console.log(`matrix: ${relative(repoRoot, out)}`);
    }
    console.log(
      `lab compare: ${rows.length} setups from ${ids.length} scenario${ids.length === 1 ? '' : 's'} on the ${flags.runtime} runtime in ${seconds} s`,
    );
  });

for (const option of clusterOptions()) command.addOption(option);
