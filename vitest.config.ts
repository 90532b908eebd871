import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (pkg: string, entry = 'index'): string =>
  fileURLToPath(new URL(`./packages/${pkg}/src/${entry}.ts`, import.meta.url));

// One config for every package. In-process tests import sources directly;
// tests that spawn processes run the compiled `dist/` (built by `npm test`).
export default defineConfig({
  resolve: {
    alias: [
      { find: /^@dtrain\/topology$/, replacement: src('topology') },
      { find: /^@dtrain\/runtime$/, replacement: src('runtime') },
      { find: /^@dtrain\/runtime\/contract$/, replacement: src('runtime', 'contract') },
    ],
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
  },
});
