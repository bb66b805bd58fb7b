/**
 * Vitest config of `npm run test:conformance`: only the Durable Streams conformance suite, apart from the default
 * projects because it takes ~30 s.
 */
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['e2e/conformance/**/*.test.ts'],
    retry: 0,
    testTimeout: 15_000,
    hookTimeout: 30_000,
  },
})
