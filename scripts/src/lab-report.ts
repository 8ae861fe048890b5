/**
 * pnpm lab report <report.json>: a saved run as one self-contained HTML file,
 * with the live dashboard's charts, for sharing.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { UsageError } from '@lab/cli';
import { renderReportHtml } from '@lab/dashboard';
import type { RunResult } from '@lab/lab';
import { Command } from 'commander';

function readResult(path: string): RunResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
  let value: Partial<RunResult>;
  try {
    value = JSON.parse(text) as Partial<RunResult>;
  } catch {
    throw new UsageError(`${path} is not JSON; pass the report.json a run wrote`);
  }
  const missing = (['scenario', 'phases', 'events', 'startedAt', 'endedAt'] as const).filter(
    (key) => value[key] === undefined,
  );
  if (missing.length > 0) {
    throw new UsageError(
      `${path} is not a lab run's report.json (no ${missing.join(', ')}); runs write one under .lab/reports/`,
    );
  }
  return { windows: [], pods: [], ...value } as RunResult;
}

export const command = new Command('lab report')
  .description(
    "Renders a saved run (the report.json of pnpm lab) as one self-contained HTML file: the dashboard's charts, verdicts and timeline, no external URL.",
  )
  .argument('<report.json>', 'the report.json a run wrote (under .lab/reports/ by default)')
  .option('--out <file>', 'where the HTML goes (default: report.html beside the report.json)')
  .action((file: string, flags: { out?: string }) => {
    const path = resolve(file);
    const result = readResult(path);
    const out = resolve(flags.out ?? join(dirname(path), 'report.html'));
    writeFileSync(out, renderReportHtml(result), 'utf8');
    const windows = result.windows.length;
    console.log(
      `lab report: ${result.scenario.id} (${result.pass ? 'PASS' : 'FAIL'}), ${result.phases.length} phases, ${windows} windows → ${relative(process.cwd(), out) || out}`,
    );
    if (windows === 0) {
      console.log(
        'lab report: this report.json holds no window lines (written before runs saved them): the charts are empty, the phases and verdicts are there',
      );
    }
  });
