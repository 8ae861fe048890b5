import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // The integration tests run real servers and clients for a few seconds each.
    testTimeout: 60_000,
    hookTimeout: 30_000,
    // They bind fixed loopback addresses (127.0.1.x): one file at a time.
    fileParallelism: false,
  },
});
