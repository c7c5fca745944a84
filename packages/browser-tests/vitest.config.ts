import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 900_000,
    hookTimeout: 300_000,
    // One browser (and one build) at a time: the machine has two cores.
    fileParallelism: false,
    // Within a file, tests marked concurrent run two at a time (two pages of that one browser).
    maxConcurrency: 2,
  },
});
