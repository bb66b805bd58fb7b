/**
 * createFollower: keeps a scrolling list following new content while the reader is at its bottom. Once the reader
 * has scrolled up, new content changes nothing on screen (the scroll position stays where it is) and a "new
 * messages" button appears; it brings the reader back to the bottom and disappears, as does scrolling down by hand.
 *
 * It never reads the layout right after a redraw (that would lay out the whole list at once, in the middle of the
 * frame): whether the reader follows is decided by their scrolling, and the list is brought to its bottom from a
 * ResizeObserver, which runs once the frame's layout is done — also when text laid out late (a chunk of a long
 * message coming on screen, render-message-text.ts) changes the height after the redraw.
 */

/** Distance from the bottom, in px, within which the list counts as followed. */
const FOLLOW_WITHIN_PX = 40

/** Wraps every redraw of a list. */
export interface Follower {
  /**
   * Runs `redraw`, which returns whether content arrived; while the reader follows, the list is kept at its bottom,
   * otherwise arrived content shows the button.
   */
  update(redraw: () => boolean): void
}

/** Follows `list`; `button` is the "new messages" button (hidden while following). */
export function createFollower(list: HTMLElement, button: HTMLButtonElement): Follower {
  let following = true
  let lastScrollTop = list.scrollTop
  const atBottom = (): boolean => list.scrollHeight - list.scrollTop - list.clientHeight < FOLLOW_WITHIN_PX
  const toBottom = (): void => {
    list.scrollTop = list.scrollHeight
    lastScrollTop = list.scrollTop
    button.hidden = true
  }
  const observed = new WeakSet<Element>()
  const resized = new ResizeObserver(() => {
    if (following) toBottom()
  })
  resized.observe(list)
  button.hidden = true
  button.addEventListener('click', () => {
    following = true
    toBottom()
    list.focus({ preventScroll: true })
  })
  // Back at the bottom follows again; only a move up stops following (the list growing below the view is no move).
  list.addEventListener('scroll', () => {
    if (atBottom()) {
      following = true
      button.hidden = true
    } else if (list.scrollTop < lastScrollTop) following = false
    lastScrollTop = list.scrollTop
  })
  return {
    update(redraw) {
      const arrived = redraw()
      for (const child of list.children) {
        if (observed.has(child)) continue
        observed.add(child)
        resized.observe(child)
      }
      if (!following && arrived) button.hidden = false
    },
  }
}
