/**
 * observePaints: the bench's eyes in the page, injected with Playwright's `addInitScript` before any page script
 * runs, so the page itself carries no bench code. It watches the last element matching a selector (a reply's text)
 * and records every change of its text length with two page-clock times: when the DOM changed, and when the frame
 * that holds the change has been painted. It also records when the send button was clicked or Enter pressed in the
 * composer, with the input event's own time stamp.
 *
 * "Painted" is the end of the rendering update (requestAnimationFrame callbacks, style, layout, paint) of the first
 * frame after the change: a task posted from inside that frame runs only once the frame's main-thread work is done.
 * To know whether a change happened inside a frame (the demo page redraws from requestAnimationFrame) or between
 * frames, the script wraps `requestAnimationFrame`; a change between frames waits for the next frame. Raster and
 * composition on the compositor thread come after and are not included.
 */

/** One observed change of the watched text. Times are `performance.now()` of the page (ms since its time origin). */
export interface PaintRecord {
  /** How many elements matched the selector (e.g. replies on the page). */
  readonly count: number
  /** Text length of the last matching element. */
  readonly length: number
  /** The last {@link PAINT_TAIL_CHARS} characters of that text: whether the frame shows the text's end. */
  readonly tail: string
  /** When the DOM held the change. */
  readonly domAt: number
  /** When the frame holding the change was painted (NaN until then). */
  paintedAt: number
}

/** What the script leaves on `window` for the bench to read. */
export interface PaintLog {
  readonly records: PaintRecord[]
  /** `event.timeStamp` of every click on the send button and Enter in the composer. */
  readonly sends: number[]
}

/** How many of the watched text's last characters a {@link PaintRecord} keeps. */
export const PAINT_TAIL_CHARS = 64

/** Name of the `window` property holding the {@link PaintLog}. */
export const PAINT_LOG_GLOBAL = '__lifelineBenchPaints'

/**
 * Runs in the page (serialised by Playwright: it may use nothing from outside its body). `selector` names the
 * watched elements; `logName` is {@link PAINT_LOG_GLOBAL}; `tailChars` is {@link PAINT_TAIL_CHARS}.
 */
export function observePaints({
  selector,
  logName,
  tailChars,
}: {
  selector: string
  logName: string
  tailChars: number
}): void {
  const log: PaintLog = { records: [], sends: [] }
  Object.defineProperty(window, logName, { value: log })
  let inFrame = false
  let waiting: PaintRecord[] = []
  const frameDone = new MessageChannel()
  frameDone.port1.onmessage = () => {
    inFrame = false
    const paintedAt = performance.now()
    for (const record of waiting) record.paintedAt = paintedAt
    waiting = []
  }
  const enterFrame = (): void => {
    if (inFrame) return
    inFrame = true
    frameDone.port2.postMessage(0) // runs once this frame's rendering update is over
  }
  const nativeFrame = window.requestAnimationFrame.bind(window)
  window.requestAnimationFrame = (callback) =>
    nativeFrame((time) => {
      enterFrame()
      callback(time)
    })
  let last = { count: -1, length: -1 }
  const check = (): void => {
    const matches = document.querySelectorAll(selector)
    const text = matches[matches.length - 1]?.textContent ?? ''
    const { length } = text
    if (matches.length === last.count && length === last.length) return
    last = { count: matches.length, length }
    const record: PaintRecord = {
      count: matches.length,
      length,
      tail: text.slice(-tailChars),
      domAt: performance.now(),
      paintedAt: Number.NaN,
    }
    log.records.push(record)
    waiting.push(record)
    if (!inFrame) nativeFrame(enterFrame)
  }
  new MutationObserver(check).observe(document, { subtree: true, childList: true, characterData: true })
  document.addEventListener(
    'click',
    (event) => {
      if ((event.target as Element | null)?.closest?.('[data-testid="send-button"]')) log.sends.push(event.timeStamp)
    },
    true,
  )
  document.addEventListener(
    'keydown',
    (event) => {
      const target = event.target as Element | null
      if (event.key === 'Enter' && !event.shiftKey && target?.matches?.('[data-testid="composer-input"]'))
        log.sends.push(event.timeStamp)
    },
    true,
  )
}
