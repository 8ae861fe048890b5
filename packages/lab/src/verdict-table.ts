import Table from 'cli-table3';
import type { VerdictRow } from './engine-types.js';

const HEAD = ['phase', 'client', 'check', 'expected', 'observed', 'result'];

export interface VerdictTableOptions {
  /** ANSI colours; by default only when stdout is a terminal, so logs and pipes stay plain. */
  color?: boolean;
}

function resultText(pass: boolean, color: boolean): string {
  const word = pass ? 'PASS' : 'FAIL';
  // The word carries the verdict; colour only helps the eye find it.
  if (!color) return word;
  return pass ? `\u001b[32m${word}\u001b[39m` : `\u001b[1;31m${word}\u001b[22;39m`;
}

/** The verdict rows as a terminal table, one line per check. */
export function renderVerdictTable(
  rows: readonly VerdictRow[],
  { color = process.stdout.isTTY === true }: VerdictTableOptions = {},
): string {
  const table = new Table({
    head: HEAD,
    style: color
      ? { head: ['bold'], border: ['grey'], compact: true }
      : { head: [], border: [], compact: true },
  });
  for (const row of rows) {
    table.push([
      row.phase,
      row.client,
      row.check,
      row.expected,
      row.observed,
      resultText(row.pass, color),
    ]);
  }
  return table.toString();
}

function markdownCell(text: string): string {
  return text.replaceAll('\\', '\\\\').replaceAll('|', '\\|').replaceAll('\n', ' ');
}

/** The same rows as a GitHub-flavoured Markdown table, for reports. */
export function renderVerdictMarkdown(rows: readonly VerdictRow[]): string {
  const line = (cells: readonly string[]) => `| ${cells.map(markdownCell).join(' | ')} |`;
  return [
    line(HEAD),
    line(HEAD.map(() => '---')),
    ...rows.map((row) =>
      line([
        row.phase,
        row.client,
        row.check,
        row.expected,
        row.observed,
        row.pass ? 'PASS' : 'FAIL',
      ]),
    ),
  ].join('\n');
}

/**
 * One line for the end of a run: `l4-lb: PASS (7 of 7 checks)` or
 * `l4-lb: FAIL (5 of 7 checks; failed: after-scale-up/grpc/backends)`.
 */
export function summarizeVerdicts(scenarioId: string, rows: readonly VerdictRow[]): string {
  const failed = rows.filter((row) => !row.pass);
  const counts = `${rows.length - failed.length} of ${rows.length} check${rows.length === 1 ? '' : 's'}`;
  if (failed.length === 0) return `${scenarioId}: PASS (${counts})`;
  const names = failed.map((row) => `${row.phase}/${row.client}/${row.check}`).join(', ');
  return `${scenarioId}: FAIL (${counts}; failed: ${names})`;
}
