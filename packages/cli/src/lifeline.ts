/** Environment variable the lab sets on every process it starts. */
export const LIFELINE_VAR = 'LAB_LIFELINE';

/**
 * When the lab starts a program (a pod, a client), it keeps the write end of
 * the program's stdin and never writes to it. If the lab goes away by any
 * means, SIGKILL included, the pipe closes and the program shuts down as if
 * it had been sent SIGTERM: no orphan outlives the run. Outside the lab the
 * variable is unset and stdin is left alone.
 */
export function shutDownWhenLifelineCloses(env: NodeJS.ProcessEnv = process.env): void {
  if (env[LIFELINE_VAR] !== 'stdin') return;
  const stdin = process.stdin;
  stdin.on('data', () => {});
  stdin.once('end', () => process.kill(process.pid, 'SIGTERM'));
  stdin.once('error', () => process.kill(process.pid, 'SIGTERM'));
  // The pipe alone must not keep a finished client alive.
  (stdin as unknown as { unref?: () => void }).unref?.();
}
