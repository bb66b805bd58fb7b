/**
 * createFollower: keeps a scrolling list following new content while the reader is at its bottom. Once the reader
 * has scrolled up, new content changes nothing on screen (the scroll position stays where it is) and a "new
 * messages" button appears; it brings the reader back to the bottom and disappears, as does scrolling down by hand.
 */

/** Distance from the bottom, in px, within which the list counts as followed. */
const FOLLOW_WITHIN_PX = 40

/** Wraps every redraw of a list. */
export interface Follower {
  /** Runs `redraw`, then scrolls to the bottom if the reader was there, or offers the button if content grew. */
  update(redraw: () => void): void
}

/** Follows `list`; `button` is the "new messages" button (hidden while following). */
export function createFollower(list: HTMLElement, button: HTMLButtonElement): Follower {
  const atBottom = (): boolean => list.scrollHeight - list.scrollTop - list.clientHeight < FOLLOW_WITHIN_PX
  const toBottom = (): void => {
    list.scrollTop = list.scrollHeight
    button.hidden = true
  }
  button.hidden = true
  button.addEventListener('click', () => {
    toBottom()
    list.focus({ preventScroll: true })
  })
  list.addEventListener('scroll', () => {
    if (atBottom()) button.hidden = true
  })
  return {
    update(redraw) {
      const following = atBottom()
      const heightBefore = list.scrollHeight
      redraw()
      if (following) {
        toBottom()
        return
      }
      // Scrolled up: the view stays (the browser's scroll anchoring keeps what is on screen); say what arrived.
      if (list.scrollHeight > heightBefore) button.hidden = false
    },
  }
}
