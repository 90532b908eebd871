import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (pkg: string): string =>
  fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));

// One config for every package. In-process tests import sources directly;
// tests that spawn processes run the compiled `dist/` (built by `npm test`).
export default defineConfig({
  resolve: {
    alias: {
      '@dtrain/topology': src('topology'),
      '@dtrain/runtime': src('runtime'),
    },
  },
  test: {
    include: ['packages/*/test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
  },
});
