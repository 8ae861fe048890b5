import { renderErrors, renderShareBars } from '@lab/stats';
import type { LabEvent, PhaseResult } from './engine-types.js';
import type { Narrator } from './engine.js';

const POD_EVENTS = new Set<LabEvent['kind']>([
  'pod-ready',
  'pod-terminating',
  'pod-exited',
  'note',
]);

function wrap(text: string, width = 78): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + word.length + 1 > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines;
}

/**
 * Prints a run like a talk: the narration, each step, pod events as they
 * happen, and after each phase, per-pod bars and the verdicts. The live
 * progress line only appears on a terminal; logs get no carriage returns.
 */
export function terminalNarrator(out: NodeJS.WriteStream = process.stdout): Narrator {
  const live = out.isTTY === true;
  let progressShown = false;
  const clear = () => {
    if (progressShown) out.write('\r\x1b[2K');
    progressShown = false;
  };
  const print = (text: string) => {
    clear();
    out.write(`${text}\n`);
  };
  const since = Date.now();
  const clock = () => `${((Date.now() - since) / 1000).toFixed(1).padStart(5)}s`;
  return {
    say: (text) =>
      print(
        `\n${wrap(text)
          .map((line) => `  ${line}`)
          .join('\n')}\n`,
      ),
    step: (text) => print(`${clock()} ▶ ${text}`),
    detail: (text) => print(`        ${text}`),
    progress: (text) => {
      if (!live) return;
      clear();
      if (text) {
        out.write(`${clock()}   ${text}`);
        progressShown = true;
      }
    },
    event: (event) => {
      if (POD_EVENTS.has(event.kind)) print(`${clock()}   · ${event.detail}`);
    },
    phase: (result: PhaseResult) => {
      const lines: string[] = [''];
      for (const [client, stats] of Object.entries(result.stats)) {
        const rows = [...new Set([...result.record.readyPods, ...Object.keys(stats.backends)])].map(
          (pod) => ({
            pod,
            calls: stats.backends[pod]?.calls ?? 0,
            share: stats.backends[pod]?.share ?? 0,
            ip: stats.backends[pod]?.ip ?? '',
          }),
        );
        const latency = stats.latencyMs
          ? `, p50 ${stats.latencyMs.p50} ms, p99 ${stats.latencyMs.p99} ms`
          : '';
        lines.push(
          `  ${result.record.phase} · ${client}: ${stats.ok} ok, ${stats.failed} failed, ${stats.backendsReached} ${stats.backendsReached === 1 ? 'pod' : 'pods'} reached of ${result.record.readyPods.length} Ready${latency}`,
          ...renderShareBars(rows),
          ...renderErrors(stats.errors),
        );
      }
      for (const row of result.verdicts) {
        lines.push(
          `  ${row.pass ? 'PASS' : 'FAIL'}  ${row.client} ${row.check}: expected ${row.expected}, observed ${row.observed}`,
        );
      }
      print(`${lines.join('\n')}\n`);
    },
  };
}

/** A narrator that prints nothing, for --json. */
export const silentNarrator: Narrator = {
  say: () => {},
  step: () => {},
  detail: () => {},
  progress: () => {},
  phase: () => {},
};
