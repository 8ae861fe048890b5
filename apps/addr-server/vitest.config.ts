import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // The integration tests start real addr-server processes and wait for drains.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // They bind fixed loopback addresses (127.0.3.x): one file at a time.
    fileParallelism: false,
  },
});
