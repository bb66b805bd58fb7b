/**
 * Serves browser code from a session server's `handleRequest`: the React test app (e2e/react-app/main.ts), or any
 * module given as source text (a docs example), bundled for the browser with esbuild with the real packages it
 * imports (`react`, `react-dom`, `ai`, `@ai-sdk/react`, …).
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { fileURLToPath } from 'node:url'
import { build, type Plugin } from 'esbuild'

const ENTRY = fileURLToPath(new URL('./main.ts', import.meta.url))

/** An HTML page with a `#root` element that loads the module at `src`. */
export function pageWithScript(title: string, src: string): string {
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head>` +
    `<body><div id="root"></div><script type="module" src="${src}"></script></body></html>`
  )
}

/** What to bundle: a file, or source text whose imports resolve from `resolveDir`. */
export type BrowserBundleInput =
  | { readonly entry: string; readonly plugins?: Plugin[] }
  | { readonly source: string; readonly resolveDir: string; readonly plugins?: Plugin[] }

/** Bundles `input` into one ES module for the browser. */
export async function bundleForBrowser(input: BrowserBundleInput): Promise<Uint8Array> {
  const bundle = await build({
    ...('entry' in input
      ? { entryPoints: [input.entry] }
      : { stdin: { contents: input.source, resolveDir: input.resolveDir, loader: 'ts' } }),
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    define: { 'process.env.NODE_ENV': '"development"' },
    logLevel: 'silent',
    plugins: input.plugins ?? [],
  })
  return bundle.outputFiles[0]?.contents ?? new Uint8Array()
}

/** Builds the app and returns a request handler answering `/` and `/react-app.js`. */
export async function createReactAppHandler(): Promise<
  (request: IncomingMessage, response: ServerResponse, url: URL) => Promise<boolean>
> {
  const page = pageWithScript('Lifeline React app', '/react-app.js')
  const script = await bundleForBrowser({ entry: ENTRY })
  return async (request, response, url) => {
    if (request.method !== 'GET') return false
    if (url.pathname === '/') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      response.end(page)
      return true
    }
    if (url.pathname === '/react-app.js') {
      response.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' })
      response.end(script)
      return true
    }
    return false
  }
}
