import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // The e2e tests run `pnpm lab` as a real process and drive a real Chromium.
    testTimeout: 90_000,
    hookTimeout: 60_000,
    // The lab runs bind loopback addresses of their own and Chromium is heavy on 2 cores.
    fileParallelism: false,
  },
});
