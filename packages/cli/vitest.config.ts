import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The end-to-end tests spawn the built command: build it once first.
    globalSetup: ['test/build.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
