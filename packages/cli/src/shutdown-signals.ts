/**
 * Calls `onFirst` on the first SIGTERM or SIGINT and `onSecond` on any later
 * one, so a second Ctrl-C forces an exit while the first drains.
 * Returns a function that removes the handlers.
 */
export function onShutdownSignals(
  onFirst: (signal: NodeJS.Signals) => void,
  onSecond: (signal: NodeJS.Signals) => void = (signal) => {
    process.stderr.write(`received ${signal} again: exiting now\n`);
    process.exit(1);
  },
): () => void {
  let seen = false;
  const handler = (signal: NodeJS.Signals) => {
    if (seen) {
      onSecond(signal);
      return;
    }
    seen = true;
    onFirst(signal);
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
  return () => {
    process.off('SIGTERM', handler);
    process.off('SIGINT', handler);
  };
}
