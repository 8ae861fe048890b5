import { aggregatePhase, type PhaseStats, parseWindowLine, type WindowLine } from '@lab/stats';

/** Every stdout line must be a valid window line; anything else fails the test. */
export function windowLines(stdout: string): WindowLine[] {
  return stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const parsed = parseWindowLine(line);
      if (!parsed.ok) throw new Error(`not a window line (${parsed.error}): ${line}`);
      return parsed.line;
    });
}

/** The whole run of one client as one phase. */
export function runStats(stdout: string, pods?: readonly string[]): PhaseStats {
  return aggregatePhase(windowLines(stdout), pods ? { pods } : {});
}
