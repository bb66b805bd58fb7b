/**
 * Token streams for tests and benchmarks: numbered, unique tokens, so any duplicate or gap shows in the text.
 */

/** The i-th token (`t<i> `). */
export function tokenAt(index: number): string {
  return `t${index} `
}

/** The exact text of tokens 0..count-1. */
export function expectedText(count: number): string {
  let text = ''
  for (let index = 0; index < count; index++) text += tokenAt(index)
  return text
}

/**
 * Yields `count` tokens, calling `beforeToken(index)` first (a test's hook to inject faults at exact token
 * positions) and yielding to the event loop after each one, so socket I/O interleaves with the stream.
 */
export async function* numberedTokens(
  count: number,
  beforeToken?: (index: number) => void | Promise<void>,
): AsyncGenerator<string> {
  for (let index = 0; index < count; index++) {
    await beforeToken?.(index)
    yield tokenAt(index)
    await new Promise<void>((resolve) => {
      setImmediate(resolve)
    })
  }
}
