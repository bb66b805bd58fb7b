/**
 * The demo page's redraw scheduler (demo/app/schedule-redraw.ts): a change that finds the page idle is drawn in the
 * same task, changes after it wait for the next animation frame and are drawn there once. Animation frames are
 * driven by hand: the frame queue stands in for the browser's.
 */
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest'
import { scheduleRedraw } from '../../demo/app/schedule-redraw.ts'

let frames: FrameRequestCallback[] = []
/** Runs the callbacks of one animation frame, as the browser does at the start of a frame. */
const runFrame = (): void => {
  const due = frames
  frames = []
  for (const callback of due) callback(0)
}

beforeEach(() => {
  frames = []
  vi.stubGlobal('requestAnimationFrame', (callback: FrameRequestCallback) => frames.push(callback))
})
afterEach(() => {
  vi.unstubAllGlobals()
})

describe('scheduleRedraw', () => {
  test('draws a change that finds the page idle at once, and a burst after it once, in the next frame', () => {
    let draws = 0
    const schedule = scheduleRedraw(() => {
      draws++
    })
    schedule()
    expect(draws).toBe(1)
    schedule()
    schedule()
    schedule()
    expect(draws).toBe(1)
    runFrame()
    expect(draws).toBe(2)
  })

  test('after a frame with nothing waiting, the next change is drawn at once again', () => {
    let draws = 0
    const schedule = scheduleRedraw(() => {
      draws++
    })
    schedule()
    runFrame()
    expect(draws).toBe(1)
    schedule()
    expect(draws).toBe(2)
    runFrame()
    expect(draws).toBe(2)
    expect(frames).toHaveLength(0)
  })
})
