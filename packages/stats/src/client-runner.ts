import { type LoadLoopOptions, runLoadLoop } from './load-loop.js';
import { WindowRecorder } from './window-recorder.js';
import { renderWindow } from './window-pretty.js';
import type { WindowLine } from './window-schema.js';
import { startWindowTicker } from './window-ticker.js';

export interface ClientRunOptions extends Omit<LoadLoopOptions, 'onSkipped'> {
  client: string;
  protocol: WindowLine['protocol'];
  /** The node the client runs on (its NODE_NAME), stamped on every window; undefined when unknown. */
  node?: string | undefined;
  windowMs: number;
  /** JSON lines for machines (the default), or per-pod bars for people. */
  pretty: boolean;
  out?: NodeJS.WritableStream;
}

/**
 * The loop both clients share: drive calls, print a window every `windowMs`,
 * and print the last partial window when the run ends or the signal aborts.
 */
export async function runClient(
  callOnce: (recorder: WindowRecorder, stop: AbortSignal) => Promise<void>,
  options: ClientRunOptions,
): Promise<void> {
  const out = options.out ?? process.stdout;
  const recorder = new WindowRecorder(options.client, options.protocol, Date.now, {
    node: options.node,
  });
  const emit = options.pretty
    ? (line: WindowLine) => out.write(`${renderWindow(line)}\n\n`)
    : (line: WindowLine) => out.write(`${JSON.stringify(line)}\n`);
  const ticker = startWindowTicker(recorder, options.windowMs, emit);
  try {
    await runLoadLoop((stop) => callOnce(recorder, stop), {
      ...options,
      onSkipped: () => recorder.recordSkipped(),
    });
  } finally {
    ticker.stop();
  }
}
