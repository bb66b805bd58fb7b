/**
 * registerServiceWorker: marks the page with the build of its script and registers the app-shell service worker
 * (demo/app/service-worker.ts) next to the page, so the next load works with no network (docs/offline.md § App shell).
 */
import { APP_BUILD } from './app-build.ts'

/** Sets `<html data-app-build>` and registers `sw.js` (relative: the page may sit under any path prefix). */
export function registerServiceWorker(): void {
  document.documentElement.dataset.appBuild = APP_BUILD
  if (!('serviceWorker' in navigator)) return
  navigator.serviceWorker.register('sw.js', { updateViaCache: 'none' }).catch((error: unknown) => {
    // reason: the page works online without its worker; only the next offline load suffers
    console.warn('lifeline: the app-shell service worker could not be registered', error)
  })
}
