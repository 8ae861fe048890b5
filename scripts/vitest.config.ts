import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // *.kind.test.ts need a kind cluster: `pnpm test:kind` runs them (vitest.kind.config.ts).
    exclude: [...configDefaults.exclude, 'src/**/*.kind.test.ts'],
    // These run the built scripts end to end, servers and clients included.
    testTimeout: 90_000,
    // The scripts bind fixed loopback addresses (127.0.1.x, 127.0.4.x): one file at a time.
    fileParallelism: false,
  },
});
