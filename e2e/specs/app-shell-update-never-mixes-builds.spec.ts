/**
 * The demo page is an installable web app whose service worker keeps one build of the app shell, and a new build
 * takes over on the next load without ever mixing files of two builds.
 *
 * Flow:
 * 1. The spec starts its own session server whose demo page can be swapped between two builds of the same sources
 *    (`buildDemoApp({ variant })`: the style sheets differ, so the content hashes differ).
 * 2. The first build is served. The page loads, its service worker installs and controls the page, and Cache
 *    Storage holds exactly the first build's shell. HTML, script and style sheet all name the first build, and the
 *    worker has navigation preload on.
 * 3. The server switches to the second build and the page reloads: it is the second build throughout (the page came
 *    from the worker's navigation preload, which is on), the browser installs the second worker, which drops the
 *    first build's cache.
 * 4. The context goes offline (`context.setOffline(true)`) and the page reloads from the cache alone: still the
 *    second build throughout, and the cached script and page are the second build's.
 *
 * What this catches that unit tests can't: the real service worker lifecycle in Chromium (install, activate,
 * claiming the page, updates found on navigation) and the real Cache Storage; a worker that serves a cached script
 * to a newer page, keeps an old build's cache, or cannot load the page offline fails here.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from '@playwright/test'
import { SHELL_CACHE_PREFIX } from '../../demo/app/app-shell-facts.ts'
import { buildDemoApp } from '../../demo/build-demo-app.ts'
import { serveDemoAppBuild } from '../../demo/serve-demo-app.ts'
import { createSqliteUpdateLog } from '../../server/persistence/sqlite-update-log.ts'
import { createSessionServer } from '../../server/session-server.ts'
import { expect, test } from '../fixtures.ts'

/** The build each file of the loaded page names: HTML meta tag, script constant, style sheet custom property. */
async function pageBuilds(page: Page): Promise<{ html: string; script: string; style: string }> {
  return await page.evaluate(() => ({
    html: document.querySelector('meta[name="lifeline-app-build"]')?.getAttribute('content') ?? '',
    script: document.documentElement.dataset.appBuild ?? '',
    style: getComputedStyle(document.documentElement).getPropertyValue('--app-build').trim().replaceAll('"', ''),
  }))
}

/** Names of the shell caches, once a service worker controls the page. */
async function shellCaches(page: Page): Promise<string[]> {
  return await page.evaluate(
    async (prefix) =>
      navigator.serviceWorker.controller === null
        ? []
        : (await caches.keys()).filter((name) => name.startsWith(prefix)),
    SHELL_CACHE_PREFIX,
  )
}

/** Whether the worker's registration has navigation preload on (the page's request is sent while it starts). */
async function navigationPreloadEnabled(page: Page): Promise<boolean> {
  return await page.evaluate(
    async () => (await (await navigator.serviceWorker.ready).navigationPreload.getState()).enabled === true,
  )
}

/** Bodies of the cached page and script of `build`. */
async function cachedShell(page: Page, build: string): Promise<{ page: string; script: string }> {
  return await page.evaluate(
    async ({ name, build }) => {
      const cache = await caches.open(name)
      const text = async (path: string): Promise<string> =>
        (await (await cache.match(new URL(path, location.href).href))?.text()) ?? ''
      return { page: await text('./'), script: await text(`./app.js?build=${build}`) }
    },
    { name: `${SHELL_CACHE_PREFIX}${build}`, build },
  )
}

/** Waits until the page's HTML, script and style sheet all name `build`. */
async function expectPageOfBuild(page: Page, build: string): Promise<void> {
  await expect.poll(async () => await pageBuilds(page)).toEqual({ html: build, script: build, style: build })
}

test('a new build takes over on the next load and never mixes with the old one', async ({ browser }) => {
  const dir = mkdtempSync(join(tmpdir(), 'lifeline-shell-'))
  const [first, second] = await Promise.all([buildDemoApp({ variant: 'first' }), buildDemoApp({ variant: 'second' })])
  expect(first.build).not.toBe(second.build)
  let served = serveDemoAppBuild(first)
  const server = await createSessionServer({
    port: 0,
    host: '127.0.0.1',
    updateLog: createSqliteUpdateLog({ path: join(dir, 'sessions.sqlite') }),
    handleRequest: async (request, response, url) => await served(request, response, url),
  })
  const context = await browser.newContext()
  try {
    const page = await context.newPage()
    await page.goto(`${server.url}/`)
    await expect.poll(async () => await shellCaches(page)).toEqual([`${SHELL_CACHE_PREFIX}${first.build}`])
    await expectPageOfBuild(page, first.build)
    expect(await navigationPreloadEnabled(page)).toBe(true)

    served = serveDemoAppBuild(second)
    await page.reload()
    await expectPageOfBuild(page, second.build)
    await expect.poll(async () => await shellCaches(page)).toEqual([`${SHELL_CACHE_PREFIX}${second.build}`])

    await context.setOffline(true)
    await page.reload()
    await expectPageOfBuild(page, second.build)
    const cached = await cachedShell(page, second.build)
    expect(cached.page).toContain(`content="${second.build}"`)
    expect(cached.page).not.toContain(first.build)
    expect(cached.script).toContain(second.build)
    expect(cached.script).not.toContain(first.build)
  } finally {
    await context.close()
    await server.close()
    rmSync(dir, { recursive: true, force: true })
  }
})

test('the demo page is an installable web app', async ({ page, context }) => {
  await page.goto('/')
  await expect.poll(async () => await shellCaches(page)).toHaveLength(1)
  const cdp = await context.newCDPSession(page)
  const manifest = (await cdp.send('Page.getAppManifest')) as { errors: unknown[]; data?: string }
  expect(manifest.errors).toEqual([])
  expect(JSON.parse(manifest.data ?? '{}')).toMatchObject({ short_name: 'Lifeline', display: 'standalone' })
  const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors')
  // Playwright's contexts are incognito, where Chromium installs nothing; every other check must pass.
  expect(installabilityErrors.filter((error) => error.errorId !== 'in-incognito')).toEqual([])
})
