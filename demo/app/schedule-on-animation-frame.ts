/**
 * scheduleOnAnimationFrame: runs a redraw at most once per animation frame however many changes ask for it in
 * between, so a burst of document changes (a streamed reply, presence updates) costs one redraw per frame.
 */

/** Returns a function that asks for `render` to run in the next animation frame (once, however often it is called). */
export function scheduleOnAnimationFrame(render: () => void): () => void {
  let framePending = false
  return () => {
    if (framePending) return
    framePending = true
    requestAnimationFrame(() => {
      framePending = false
      render()
    })
  }
}
