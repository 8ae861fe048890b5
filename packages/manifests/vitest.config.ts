import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // The *.int.test.ts files run `kubectl kustomize` once per scenario and
    // component; on a busy 2-core machine one render can take seconds.
    testTimeout: 30_000,
  },
});
