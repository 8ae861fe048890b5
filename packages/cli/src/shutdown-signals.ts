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

/** A server that drains on request, and can be cut short. */
export interface DrainingServer {
  /** Resolves with 'graceful' when every call finished in time, anything else when cut. */
  shutdown(): Promise<string>;
  forceClose(): void;
}

/**
 * The lab's servers on SIGTERM or SIGINT: drain, then exit 0 (1 if the drain
 * was cut); a second signal closes at once and exits 1. Every line is
 * prefixed with `name`, as the server's other log lines are.
 */
export function drainOnShutdownSignals(name: string, server: DrainingServer): () => void {
  return onShutdownSignals(
    (signal) => {
      console.log(`${name}: ${signal} received`);
      void server.shutdown().then((outcome) => {
        console.log(`${name}: stopped (${outcome})`);
        process.exit(outcome === 'graceful' ? 0 : 1);
      });
    },
    (signal) => {
      console.log(`${name}: ${signal} received again: stopping now`);
      server.forceClose();
      process.exit(1);
    },
  );
}
