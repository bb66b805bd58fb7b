/**
 * scheduleRedraw: runs a redraw at once when nothing was drawn since the last animation frame, and otherwise once in
 * the next frame however many changes ask for it in between. A token arriving while the page is idle is in the DOM
 * within the task that received it, so the very next frame shows it; a burst of changes (a streamed reply, presence
 * updates) still costs at most two redraws per frame.
 */

/** Returns a function that asks for `render`: now when idle, else once in the next animation frame. */
export function scheduleRedraw(render: () => void): () => void {
  /** A redraw ran since the last animation frame began (and that frame, which ends this, is asked for). */
  let drewSinceFrame = false
  /** A change asked for a redraw that waits for the next frame. */
  let dirty = false
  const frame = (): void => {
    drewSinceFrame = false
    if (!dirty) return
    dirty = false
    render()
  }
  return () => {
    if (drewSinceFrame) {
      dirty = true
      return
    }
    drewSinceFrame = true
    requestAnimationFrame(frame)
    render()
  }
}
