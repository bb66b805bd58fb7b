/**
 * Vitest config of `npm run test:conformance`: only the Durable Streams conformance suite, apart from the default
 * projects because it takes about a minute, mostly waiting out TTLs; `npm test` runs it with typecheck, lint and the
 * Python lane, before them (e2e/setup/run-test-lanes.ts).
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
