/**
 * afterFirstFrame: runs the parts of the page that are not needed to show a session's transcript only once that
 * transcript has been drawn and its frame painted, so the first frame of a cached session does not wait for them
 * (docs/benchmarks.md § In the browser, "Transcript first").
 */

/** How long to wait for the offline copy before binding the rest anyway (a browser without IndexedDB never loads it). */
const OFFLINE_COPY_WAIT_MS = 1000
/** A hidden tab gets no animation frames: the rest is bound after this long at the latest. */
const FRAME_WAIT_MS = 100

/**
 * Calls `run` once, when the main thread is idle after the frame that follows `loaded` (or after the waits above):
 * an idle callback, so it runs after what the browser has queued behind that frame, not before it.
 */
export function afterFirstFrame(loaded: Promise<void>, run: () => void): void {
  let done = false
  const once = (): void => {
    if (done) return
    done = true
    run()
  }
  const timeout = new Promise<void>((resolve) => {
    setTimeout(resolve, OFFLINE_COPY_WAIT_MS)
  })
  void Promise.race([loaded, timeout]).then(() => {
    requestAnimationFrame(() => {
      if (typeof requestIdleCallback === 'function') requestIdleCallback(once)
      else setTimeout(once, 0)
    })
    setTimeout(once, FRAME_WAIT_MS)
  })
}
