import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { chromiumExecutable } from '../env.js';

/** Screenshots and HTML the browser tests leave for a person to look at (git-ignored). */
export const artifactsDir = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));

export function artifact(name: string): string {
  mkdirSync(artifactsDir, { recursive: true });
  return `${artifactsDir}${name}`;
}

const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];

/**
 * Chromium for the browser tests: LAB_CHROMIUM, else Debian's
 * /usr/bin/chromium, else the browser Playwright ships (`npx playwright
 * install chromium`). No browser is a failure with a way out, never a skip.
 */
export async function launchChromium(): Promise<Browser> {
  const executablePath = chromiumExecutable();
  try {
    return await chromium.launch({
      ...(executablePath ? { executablePath } : {}),
      args: FLAGS,
    });
  } catch (error) {
    const why = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new Error(
      executablePath
        ? `the browser tests could not start Chromium at ${executablePath} (${why}); fix LAB_CHROMIUM or reinstall Debian's chromium`
        : `the browser tests found no Chromium (${why}): install Debian's (apt-get install chromium, as .ci/run does), point LAB_CHROMIUM at one, or install Playwright's own (npx playwright install chromium)`,
    );
  }
}
