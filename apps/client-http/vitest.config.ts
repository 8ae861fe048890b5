import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // client-http.int.test.ts starts real addr-server and client-http processes
    // and runs the client for a few seconds per case.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration tests bind fixed loopback addresses (127.0.2.x): one file at a time.
    fileParallelism: false,
  },
});
