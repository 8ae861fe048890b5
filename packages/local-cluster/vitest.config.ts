import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // Tests here use real sockets and processes on loopback; each is bounded
    // and should finish in well under a second or two, so a hang fails fast.
    testTimeout: 5000,
    hookTimeout: 5000,
  },
});
