/**
 * What the demo page's server and its service worker agree on: the header that names the build of a shell file, the
 * query parameter that pins an asset to one build, and the prefix of the shell caches. Written once here, imported by
 * demo/build-demo-app.ts and demo/app/service-worker.ts.
 */

/** Response header naming the build a shell file belongs to; the worker caches a build only when every file has it. */
export const APP_BUILD_HEADER = 'x-lifeline-app-build'

/** Query parameter of a versioned asset URL (`app.js?build=…`); the server answers 404 for another build. */
export const APP_BUILD_PARAM = 'build'

/** Prefix of the Cache Storage name of each build's shell (`lifeline-shell-<build>`). */
export const SHELL_CACHE_PREFIX = 'lifeline-shell-'
