import { defineConfig } from 'vitest/config';

/** `npm run soak`: the long kill -9 scenario, kept out of npm test. */
export default defineConfig({
  test: {
    include: ['bench/soak.test.ts'],
    testTimeout: 0,
    hookTimeout: 60_000,
    maxWorkers: 1,
  },
});
