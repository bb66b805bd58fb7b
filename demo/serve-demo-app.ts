/**
 * Serves the demo chat page: builds its app shell once at start-up (demo/build-demo-app.ts) and answers `/`, the
 * script, style sheet, service worker, manifest and icons. Every URL the page uses is relative, so it works under any
 * path prefix a proxy adds. Plugged into the server through its `handleRequest` option.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { APP_BUILD_HEADER, APP_BUILD_PARAM } from './app/app-shell-facts.ts'
import { buildDemoApp, type DemoAppBuild, type DemoAppBuildOptions } from './build-demo-app.ts'

/** A request handler for the server's `handleRequest` option; true when it answered. */
export type DemoAppHandler = (request: IncomingMessage, response: ServerResponse, url: URL) => Promise<boolean>

/** Builds the page and returns a request handler for the server's `handleRequest` option. */
export async function createDemoAppHandler(options: DemoAppBuildOptions = {}): Promise<DemoAppHandler> {
  return serveDemoAppBuild(await buildDemoApp(options))
}

/**
 * Answers the files of `app`. A pinned asset asked for under another build's URL is answered 404, never with this
 * build's file, so a page of one build cannot load the script or style sheet of another.
 */
export function serveDemoAppBuild(app: DemoAppBuild): DemoAppHandler {
  return async (request, response, url) => {
    const file = request.method === 'GET' || request.method === 'HEAD' ? app.files.get(url.pathname) : undefined
    if (file === undefined) return false
    const asked = url.searchParams.get(APP_BUILD_PARAM)
    if (file.pinned && asked !== null && asked !== app.build) {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' })
      response.end(`build ${asked} is not served here (this is build ${app.build})`)
      return true
    }
    response.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-cache', [APP_BUILD_HEADER]: app.build })
    response.end(request.method === 'HEAD' ? undefined : file.body)
    return true
  }
}
