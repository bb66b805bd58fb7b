/**
 * buildDemoApp: bundles the demo chat page into one build of its app shell — HTML (with its inline first-paint
 * script), script, style sheet, web app manifest, icons and the service worker — named by a content hash of the
 * bundle. Every file of a build names the build (the HTML in a meta tag and its asset URLs, the script in APP_BUILD,
 * the style sheet in a custom property, each response in APP_BUILD_HEADER), so a page can check it never mixes two
 * builds (docs/offline.md § App shell).
 */
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { bundleForBrowser } from '../server/http/bundle-for-browser.ts'
import { APP_BUILD_PARAM } from './app/app-shell-facts.ts'
import { pngIcon, svgIcon } from './app-icons.ts'

const APP_DIR = fileURLToPath(new URL('./app/', import.meta.url))
/** The literal of demo/app/app-build.ts that the bundle's build replaces. */
const BUILD_PLACEHOLDER = '__LIFELINE_APP_BUILD__'
/** The element of index.html that the first-paint script (demo/app/first-paint.ts) is put into. */
const FIRST_PAINT_PLACEHOLDER = '<script data-first-paint></script>'
/** Hex digits of the content hash kept as the build name. */
const BUILD_HASH_CHARS = 16

/** One file of the shell. */
export interface ShellFile {
  readonly type: string
  readonly body: string | Uint8Array
  /** True for files whose URL carries the build (`?build=…`): another build's URL is answered 404. */
  readonly pinned: boolean
}

/** One build of the demo page. */
export interface DemoAppBuild {
  /** Content hash naming this build. */
  readonly build: string
  /** Files by path (`/`, `/app.js`, …). */
  readonly files: ReadonlyMap<string, ShellFile>
}

/** Options of {@link buildDemoApp}. */
export interface DemoAppBuildOptions {
  /** Extra text mixed into the style sheet, making another build of the same sources (tests of updates use it). */
  readonly variant?: string
}

/** Bundles the page and its service worker. @throws Error when esbuild fails */
export async function buildDemoApp(options: DemoAppBuildOptions = {}): Promise<DemoAppBuild> {
  const script = await bundleForBrowser(`${APP_DIR}main.ts`)
  const baseStyle = await readFile(`${APP_DIR}app.css`, 'utf8')
  const style = options.variant === undefined ? baseStyle : `${baseStyle}\n/* ${options.variant} */\n`
  const page = await inlineFirstPaint(await readFile(`${APP_DIR}index.html`, 'utf8'))
  const name = createHash('sha256').update(script).update(style).update(page).digest('hex').slice(0, BUILD_HASH_CHARS)
  const pinned = (path: string): string => `.${path}?${APP_BUILD_PARAM}=${name}`
  const manifest = {
    name: 'Lifeline — durable agent sessions',
    short_name: 'Lifeline',
    start_url: './',
    scope: './',
    display: 'standalone',
    background_color: '#0f1115',
    theme_color: '#0f1115',
    icons: [
      { src: 'icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any maskable' },
      { src: 'icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any maskable' },
      { src: 'icon.svg', sizes: 'any', type: 'image/svg+xml' },
    ],
  }
  const shellPaths = ['/app.js', '/app.css']
  const unpinnedPaths = ['/manifest.webmanifest', '/icon.svg', '/icon-192.png', '/icon-512.png']
  const worker = await bundleForBrowser(`${APP_DIR}service-worker.ts`, {
    LIFELINE_SHELL: JSON.stringify({
      build: name,
      urls: ['./', ...shellPaths.map(pinned), ...unpinnedPaths.map((path) => `.${path}`)],
    }),
  })
  const text = (type: string): string => `${type}; charset=utf-8`
  const files = new Map<string, ShellFile>([
    ['/', { type: text('text/html'), body: page.replaceAll('%APP_BUILD%', name), pinned: false }],
    ['/app.js', { type: text('text/javascript'), body: script.replaceAll(BUILD_PLACEHOLDER, name), pinned: true }],
    ['/app.css', { type: text('text/css'), body: `${style}\n:root { --app-build: "${name}"; }\n`, pinned: true }],
    ['/sw.js', { type: text('text/javascript'), body: worker, pinned: false }],
    ['/manifest.webmanifest', { type: 'application/manifest+json', body: JSON.stringify(manifest), pinned: false }],
    ['/icon.svg', { type: 'image/svg+xml', body: svgIcon(), pinned: false }],
    // Browsers ask for /favicon.ico on their own, whatever the page links.
    ['/favicon.ico', { type: 'image/svg+xml', body: svgIcon(), pinned: false }],
    ['/icon-192.png', { type: 'image/png', body: pngIcon(192), pinned: false }],
    ['/icon-512.png', { type: 'image/png', body: pngIcon(512), pinned: false }],
  ])
  return { build: name, files }
}

/** `page` with the first-paint script in its placeholder. @throws Error when the page has no placeholder */
async function inlineFirstPaint(page: string): Promise<string> {
  if (!page.includes(FIRST_PAINT_PLACEHOLDER)) throw new Error(`index.html has no ${FIRST_PAINT_PLACEHOLDER}`)
  // An inline script ends at the first `</script` in it, whatever the JavaScript around it means.
  const script = (await bundleForBrowser(`${APP_DIR}first-paint.ts`, {}, 'iife')).replaceAll('</script', '<\\/script')
  return page.replace(FIRST_PAINT_PLACEHOLDER, () => `<script data-first-paint>${script.trim()}</script>`)
}
