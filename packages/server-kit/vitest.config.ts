import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // Every unit test here is meant to finish well under 2 s; a load loop
    // that fails to stop should fail fast, not hang the run.
    testTimeout: 2000,
  },
});
