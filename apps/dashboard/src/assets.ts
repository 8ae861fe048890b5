import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The browser bundle (page code and ECharts), built by `esbuild` in this package's build. */
export const appBundlePath = fileURLToPath(new URL('../dist/browser/app.js', import.meta.url));

export function readAppBundle(): string {
  if (!existsSync(appBundlePath)) {
    throw new Error(
      `the dashboard's browser bundle is missing (${appBundlePath}): build it with pnpm --filter @lab/dashboard build`,
    );
  }
  return readFileSync(appBundlePath, 'utf8');
}
