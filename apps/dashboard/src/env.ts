import { existsSync } from 'node:fs';

/** Debian's Chromium, which .ci/run installs when it is missing. */
export const DEBIAN_CHROMIUM = '/usr/bin/chromium';

/**
 * The Chromium the browser tests drive: LAB_CHROMIUM when set, else
 * Debian's /usr/bin/chromium when it exists, else undefined: Playwright's
 * own browser, for people whose Playwright ships one.
 */
export function chromiumExecutable(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const configured = env.LAB_CHROMIUM?.trim();
  if (configured) return configured;
  return existsSync(DEBIAN_CHROMIUM) ? DEBIAN_CHROMIUM : undefined;
}
