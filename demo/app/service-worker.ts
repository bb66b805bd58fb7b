/**
 * The demo page's service worker: it keeps the app shell of one build (HTML, script, style sheet, manifest, icons) in
 * Cache Storage so the page loads with no network at all, and so the IndexedDB copy of each session can be shown.
 * Hand-written rather than Workbox: it does three things (precache one build, answer the page from it, drop older
 * builds), and versioned asset URLs make mixing two builds impossible without a library (docs/offline.md § App shell).
 *
 * - install: fetches every shell URL of its build, bypassing the HTTP cache, and stores them only when every response
 *   names this build (APP_BUILD_HEADER); a server that changed build half-way makes the install fail and retry later.
 * - activate: deletes the shells of other builds, turns on navigation preload and takes over open pages.
 * - fetch: a navigation to the page tries the network first and falls back to the cached HTML of this build (also when
 *   the answer is a proxy's error page, which carries no APP_BUILD_HEADER). The network answer is the navigation
 *   preload's: the browser sends that request while it starts this worker, so the page does not wait for both. A shell
 *   asset comes from the cache of its own build (its URL names it). Anything else (the API, WebSockets, the HTTP
 *   fallback's streams) is not touched.
 *
 * The server bundles this file with `LIFELINE_SHELL` defined (demo/build-demo-app.ts).
 */
import { APP_BUILD_HEADER, SHELL_CACHE_PREFIX } from './app-shell-facts.ts'

/** The build this worker serves and its shell URLs, relative to the worker's own URL (the first is the page). */
declare const LIFELINE_SHELL: { readonly build: string; readonly urls: readonly string[] }

interface ExtendableEvent extends Event {
  waitUntil(promise: Promise<unknown>): void
}
interface FetchEvent extends ExtendableEvent {
  readonly request: Request
  /** The navigation preload's response; undefined when preload is off (or the request is no navigation). */
  readonly preloadResponse: Promise<Response | undefined>
  respondWith(response: Promise<Response>): void
}
interface WorkerScope {
  readonly location: Location
  skipWaiting(): Promise<void>
  readonly clients: { claim(): Promise<void> }
  readonly registration: { readonly navigationPreload?: { enable(): Promise<void> } }
  addEventListener(type: 'install' | 'activate', listener: (event: ExtendableEvent) => void): void
  addEventListener(type: 'fetch', listener: (event: FetchEvent) => void): void
}

const worker = self as unknown as WorkerScope
const cacheName = `${SHELL_CACHE_PREFIX}${LIFELINE_SHELL.build}`
const shellUrls = LIFELINE_SHELL.urls.map((url) => new URL(url, worker.location.href).href)
const pageUrl = new URL(shellUrls[0] ?? './', worker.location.href)
/** This build's cache, opened once per worker start rather than once per request (each open is a trip to the browser). */
const shellCache = caches.open(cacheName)

worker.addEventListener('install', (event) => {
  event.waitUntil(precache().then(() => worker.skipWaiting()))
})

worker.addEventListener('activate', (event) => {
  // Without navigation preload (older browsers) the page waits on this worker's own fetch instead.
  const preload = worker.registration.navigationPreload?.enable()
  event.waitUntil(Promise.all([dropOtherBuilds(), preload]).then(() => worker.clients.claim()))
})

worker.addEventListener('fetch', (event) => {
  const { request } = event
  if (request.method !== 'GET') return
  const url = new URL(request.url)
  if (request.mode === 'navigate' && url.origin === pageUrl.origin && url.pathname === pageUrl.pathname) {
    event.respondWith(networkFirst(request, event.preloadResponse))
  } else if (request.mode === 'navigate') {
    // Another page in scope goes to the browser as usual; its preload is left to settle (it is not used).
    event.waitUntil(event.preloadResponse.catch(() => undefined))
  } else if (shellUrls.includes(url.href)) {
    event.respondWith(cacheFirst(request))
  }
})

/** Stores every shell URL of this build; throws (the install fails) when one is missing or of another build. */
async function precache(): Promise<void> {
  const responses = await Promise.all(
    shellUrls.map(async (url) => {
      const response = await fetch(new Request(url, { cache: 'reload' }))
      const build = response.headers.get(APP_BUILD_HEADER)
      if (!response.ok || build !== LIFELINE_SHELL.build) {
        throw new Error(
          `shell file ${url} is of build ${build ?? 'none'} (${response.status}), not ${LIFELINE_SHELL.build}`,
        )
      }
      return [url, response] as const
    }),
  )
  const cache = await shellCache
  await Promise.all(responses.map(([url, response]) => cache.put(url, response)))
}

async function dropOtherBuilds(): Promise<void> {
  const names = await caches.keys()
  await Promise.all(
    names
      .filter((name) => name.startsWith(SHELL_CACHE_PREFIX) && name !== cacheName)
      .map((name) => caches.delete(name)),
  )
}

/**
 * The page from the network when the server answers, else this build's cached page (whatever the query string). The
 * network answer is the navigation preload's when the browser made one, else a fetch of its own. An answer without
 * the build header is not the server's page but a proxy's error page (a forward or reverse proxy answers 502 while
 * the server is down): it counts as no answer.
 */
async function networkFirst(request: Request, preloaded: Promise<Response | undefined>): Promise<Response> {
  const cachedPage = async (): Promise<Response | undefined> => await (await shellCache).match(pageUrl.href)
  let response: Response
  try {
    response = (await preloaded) ?? (await fetch(request))
  } catch (error) {
    const cached = await cachedPage()
    if (cached === undefined) throw error
    return cached
  }
  if (response.headers.has(APP_BUILD_HEADER)) return response
  return (await cachedPage()) ?? response
}

/** A shell asset of this build from the cache, else from the network. */
async function cacheFirst(request: Request): Promise<Response> {
  const cached = await (await shellCache).match(request.url)
  return cached ?? (await fetch(request))
}
