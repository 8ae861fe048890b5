import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // The integration tests start real control planes, addr-servers and Kubernetes API servers.
    testTimeout: 60_000,
    hookTimeout: 30_000,
    // They bind fixed loopback addresses (127.0.3x.y): one file at a time.
    fileParallelism: false,
  },
});
