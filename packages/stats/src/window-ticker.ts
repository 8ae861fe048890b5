import type { WindowRecorder } from './window-recorder.js';
import type { WindowLine } from './window-schema.js';

/**
 * Flushes the recorder every `windowMs` and hands each line to `emit`.
 * `stop()` flushes the last, partial window marked final, so a client that is
 * stopped by a signal still reports its last calls.
 */
export function startWindowTicker(
  recorder: WindowRecorder,
  windowMs: number,
  emit: (line: WindowLine) => void,
): { stop: () => void } {
  const timer = setInterval(() => emit(recorder.flush()), windowMs);
  let stopped = false;
  return {
    stop: () => {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      emit(recorder.flush(true));
    },
  };
}
