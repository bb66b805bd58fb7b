/**
 * Vitest config of `npm run test:slow`: the long chaos, fuzz, scale-out and proxy-matrix runs (e2e/slow-test-files.ts),
 * apart from `npm test`. They start several server processes, proxies or thousands of frames, so a test gets a
 * minute unless it says otherwise.
 */
import { defineConfig } from 'vitest/config'
import { SLOW_TEST_FILES } from './e2e/slow-test-files.ts'

export default defineConfig({
  test: {
    include: SLOW_TEST_FILES,
    expect: { requireAssertions: true },
    retry: 0,
    globalSetup: ['e2e/setup/start-test-services.ts'],
    testTimeout: 60_000,
    hookTimeout: 30_000,
  },
})
