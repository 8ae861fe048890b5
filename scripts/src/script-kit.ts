import { fileURLToPath } from 'node:url';
import Table from 'cli-table3';
import { onShutdownSignals, UsageError } from '@lab/cli';
import { stopAll } from '@lab/local-cluster';
import { type PhaseStats, parseWindowLine, type WindowLine } from '@lab/stats';
import { cd } from 'zx';

/** The repository root, whatever folder the script was started from. */
export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export function workFromRepoRoot(): void {
  cd(repoRoot);
}

/**
 * Ctrl-C or SIGTERM stops every process the script started, then exits 130
 * (128 + SIGINT), so nothing outlives the script.
 */
export function stopChildrenOnSignal(name: string): () => void {
  return onShutdownSignals((signal) => {
    process.stderr.write(`\n${name}: ${signal}: stopping every process it started\n`);
    void stopAll(2000).then(() => process.exit(130));
  });
}

/** Collects a client's window lines; a malformed one is an error, not noise. */
export function windowCollector(onWindow?: (line: WindowLine) => void) {
  const windows: WindowLine[] = [];
  return {
    windows,
    onLine(text: string) {
      const parsed = parseWindowLine(text);
      if (!parsed.ok)
        throw new Error(`client printed a bad window line (${parsed.error}): ${text}`);
      windows.push(parsed.line);
      onWindow?.(parsed.line);
    },
  };
}

export function formatShares(backends: WindowLine['backends'], ok: number): string {
  return Object.entries(backends)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([pod, calls]) => `${pod} ${Math.round((100 * calls) / Math.max(1, ok))}%`)
    .join('  ');
}

export function fixed(value: number | null | undefined, digits = 2): string {
  return value === null || value === undefined ? '-' : value.toFixed(digits);
}

export function latency(stats: PhaseStats, key: 'p50' | 'p99'): string {
  return stats.latencyMs ? `${stats.latencyMs[key].toFixed(2)} ms` : '-';
}

export function requireIp(value: string): string {
  if (!/^127\.\d+\.\d+\.\d+$/.test(value))
    throw new UsageError(`${value} is not a loopback IPv4 address`);
  return value;
}

/** A table for the terminal; plain text when stdout is not a TTY (logs, CI, files). */
/** `colWidths` (null: fit the content) wraps long cells at word boundaries. */
export function table(head: string[], colWidths?: (number | null)[]): Table.Table {
  return new Table({
    head,
    ...(colWidths ? { colWidths, wordWrap: true } : {}),
    ...(process.stdout.isTTY ? {} : { style: { head: [], border: [] } }),
  });
}
