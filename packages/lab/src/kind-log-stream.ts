import { looksLikeWindowLine, parseWindowLine, type WindowLine } from '@lab/stats';
import type { CommandRunner, StreamHandle } from './command-plan.js';
import type { RuntimeSink } from './runtime.js';

export type ClientLogLine =
  | { kind: 'window'; line: WindowLine }
  | { kind: 'note'; text: string }
  | { kind: 'blank' };

/**
 * One line of a client pod's log. `kubectl logs` interleaves the container's
 * stdout (window lines) and stderr (notes, warnings), so anything that is not
 * a window line is passed on as a note, as the local runtime does; a line
 * that claims to be a window but does not parse says why.
 */
export function readClientLogLine(client: string, text: string): ClientLogLine {
  const trimmed = text.trim();
  if (trimmed === '') return { kind: 'blank' };
  const parsed = parseWindowLine(trimmed);
  if (parsed.ok) return { kind: 'window', line: parsed.line };
  if (looksLikeWindowLine(trimmed)) {
    return { kind: 'note', text: `client ${client}: a bad window line (${parsed.error})` };
  }
  return { kind: 'note', text: `client ${client}: ${trimmed}` };
}

/** Streams one client's log into the sink until stopped; says so if it ends by itself. */
export function followClientLog(
  runner: CommandRunner,
  argv: readonly string[],
  client: string,
  sink: RuntimeSink,
): StreamHandle {
  let stopping = false;
  const note = (detail: string) => sink.event({ at: Date.now(), kind: 'note', detail });
  const handle = runner.stream(argv, (text, from) => {
    if (from === 'stderr') {
      if (text.trim()) note(`kubectl logs (client ${client}): ${text.trim()}`);
      return;
    }
    const read = readClientLogLine(client, text);
    if (read.kind === 'window') sink.window(read.line);
    else if (read.kind === 'note') note(read.text);
  });
  void handle.finished.then((result) => {
    if (!stopping && runner.live) {
      note(`client ${client}: its log stream ended (kubectl exit ${result.code})`);
    }
  });
  return {
    stop: () => {
      stopping = true;
      return handle.stop();
    },
    finished: handle.finished,
  };
}
