/**
 * Vitest projects of `npm test`, one per area. Every test must assert; no retries. A test that needs more than the
 * default timeout passes its own and says why. The long runs are in `npm run test:slow` (vitest.slow.config.ts).
 *
 * Two workers: most files spend their time waiting (timers, paced streams, child processes, PostgreSQL), so two run
 * side by side even on a 2-core machine. Every project shares one module graph per worker (`isolate: false`): the
 * files keep no state between them, restore the fake timers and globals they stub and close every server and client
 * they open, and importing the code once per worker instead of once per file saves a third of the CPU time.
 */
import { defineConfig } from 'vitest/config'
import { SLOW_TEST_FILES } from './e2e/slow-test-files.ts'

export default defineConfig({
  test: {
    expect: { requireAssertions: true },
    retry: 0,
    globalSetup: ['e2e/setup/start-test-services.ts'],
    testTimeout: 15_000,
    hookTimeout: 30_000,
    maxWorkers: 2,
    isolate: false,
    projects: [
      {
        extends: true,
        test: { name: 'shared', include: ['shared/**/*.test.ts'], environment: 'node' },
      },
      {
        extends: true,
        test: { name: 'server', include: ['server/**/*.test.ts'], environment: 'node' },
      },
      {
        extends: true,
        test: { name: 'client', include: ['client/**/*.test.ts'], environment: 'node' },
      },
      // Node end-to-end: real server, real WebSocket clients and agents, real SQLite files.
      {
        extends: true,
        test: { name: 'e2e-node', include: ['e2e/node/**/*.test.ts'], exclude: SLOW_TEST_FILES, environment: 'node' },
      },
      // The benchmarks' own unit tests; their smoke runs are in the slow lane.
      {
        extends: true,
        test: { name: 'bench', include: ['bench/**/*.test.ts'], exclude: SLOW_TEST_FILES, environment: 'node' },
      },
    ],
  },
})
