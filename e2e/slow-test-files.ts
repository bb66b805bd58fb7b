/**
 * The test files of `npm run test:slow`: long chaos, fuzz, scale-out and proxy-matrix runs, the package installed
 * from the registry, the docs examples that install or start programs (pip, npm), and the smoke runs of the
 * benchmarks (each starts servers in child processes, the browser one also Chromium). `npm test` leaves them out so
 * the everyday lane stays fast; CI (`.ci/run`) runs both lanes.
 */
export const SLOW_TEST_FILES = [
  'e2e/node/kill-chaos.test.ts',
  'e2e/node/frame-fuzz.test.ts',
  'e2e/node/scale-out.test.ts',
  'e2e/node/scale-out-failover.test.ts',
  'e2e/node/scale-out-fallback.test.ts',
  'e2e/node/proxy-fallback.test.ts',
  'e2e/node/hostile-memory.test.ts',
  'e2e/node/package-registry-install.test.ts',
  'e2e/node/docs-slow-examples.test.ts',
  'bench/run-bench.test.ts',
  'bench/browser-paint.test.ts',
]
