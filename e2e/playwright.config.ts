/**
 * Playwright end-to-end tests in real Chromium (Debian's /usr/bin/chromium; never downloaded) against a real
 * session server with the demo chat page (CONTRIBUTING.md § Tests). Run from the repo root:
 *
 *   npx playwright test -c e2e/playwright.config.ts
 *
 * The web server is e2e/harness/start-server.ts (fresh SQLite in a temp dir, no demo agent: each spec drives
 * its own agent through the fixtures in e2e/fixtures.ts). Playwright waits until /healthz answers.
 */
import { fileURLToPath } from 'node:url'
import { defineConfig } from '@playwright/test'

const port = Number(process.env.E2E_PORT ?? 8790)
const baseURL = `http://127.0.0.1:${port}`

export default defineConfig({
  testDir: './specs',
  testMatch: '*.spec.ts',
  outputDir: '../test-results/',
  fullyParallel: false,
  forbidOnly: process.env.CI !== undefined,
  retries: 0,
  // Two spec files at a time, each worker with its own Chromium: a spec spends most of its time waiting on paced
  // streams and the page, so two fit on a 2-core machine. Every spec makes its own sessions (or starts its own
  // server), so the two share nothing but the web server.
  workers: 2,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  // Well below the 90-minute CI limit; the whole suite takes a few minutes.
  globalTimeout: 15 * 60_000,
  reporter: process.env.CI === undefined ? 'list' : [['list'], ['github']],
  use: {
    baseURL,
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  webServer: {
    command: 'node --import tsx e2e/harness/start-server.ts',
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    env: { E2E_PORT: String(port) },
    url: `${baseURL}/healthz`,
    reuseExistingServer: !process.env.CI,
    timeout: 60_000,
    stdout: 'pipe',
    // SIGTERM lets the harness close the server and remove its temp dir (the default is SIGKILL).
    gracefulShutdown: { signal: 'SIGTERM', timeout: 5_000 },
  },
})
