/**
 * Vitest projects, one per area (CONVENTIONS §3.10). Every test must assert; no retries.
 */
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    expect: { requireAssertions: true },
    retry: 0,
    testTimeout: 60_000,
    hookTimeout: 30_000,
    projects: [
      { extends: true, test: { name: 'shared', include: ['shared/**/*.test.ts'], environment: 'node' } },
      { extends: true, test: { name: 'server', include: ['server/**/*.test.ts'], environment: 'node' } },
      { extends: true, test: { name: 'client', include: ['client/**/*.test.ts'], environment: 'node' } },
      // Node end-to-end: real server, real WebSocket clients and agents, real SQLite files.
      { extends: true, test: { name: 'e2e-node', include: ['e2e/node/**/*.test.ts'], environment: 'node' } },
      // Smoke test of the benchmark suite (quick mode, no timing assertions).
      { extends: true, test: { name: 'bench', include: ['bench/**/*.test.ts'], environment: 'node' } },
    ],
  },
})
