/**
 * Replays a recorded stream: yields each item in order, one per macrotask, like chunks arriving from a socket.
 */

/**
 * Yields `items`, calling `beforeItem(index)` before each; with `repeat`, then yields `repeat(index)` for ever, until
 * `signal` aborts (a model that keeps generating until it is stopped).
 */
export async function* replay<T>(
  items: readonly T[],
  options: { beforeItem?: (index: number) => void; repeat?: (index: number) => T; signal?: AbortSignal } = {},
): AsyncGenerator<T> {
  for (let index = 0; ; index++) {
    if (options.signal?.aborted === true) return
    const item = index < items.length ? items[index] : options.repeat?.(index)
    if (item === undefined) return
    options.beforeItem?.(index)
    yield item
    await new Promise<void>((resolve) => {
      setImmediate(resolve)
    })
  }
}

/** Every item of `source`, in order. */
export async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = []
  for await (const item of source) items.push(item)
  return items
}

/** The items of `source` up to the error it throws, and that error (undefined when it ended normally). */
export async function collectUntilError<T>(source: AsyncIterable<T>): Promise<{ items: T[]; error: unknown }> {
  const items: T[] = []
  try {
    for await (const item of source) items.push(item)
  } catch (error) {
    return { items, error }
  }
  return { items, error: undefined }
}
