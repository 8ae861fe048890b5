import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * pnpm test:kind: the scenarios end to end on a real kind cluster. Not part
 * of `pnpm test` (vitest.config.ts leaves *.kind.test.ts out): it needs a
 * Docker engine, kind and kubectl, and takes many minutes.
 */
export default defineConfig({
  // The scripts folder, whichever folder the command was started from.
  root: fileURLToPath(new URL('.', import.meta.url)),
  test: {
    include: ['src/**/*.kind.test.ts'],
    // Each test sets its own, far longer, limit; this covers the rest.
    testTimeout: 120_000,
    hookTimeout: 600_000,
    // One cluster, one scenario at a time.
    fileParallelism: false,
    // One line per scenario, with its result: passed, failed or skipped.
    reporters: ['verbose'],
  },
});
