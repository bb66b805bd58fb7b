/**
 * A lock per key: tasks for one key run one after another, tasks for different keys run concurrently.
 */

/** Runs tasks serialised per key. */
export type KeyedLock = <T>(key: string, task: () => Promise<T>) => Promise<T>

/** Creates an empty keyed lock. */
export function createKeyedLock(): KeyedLock {
  const tails = new Map<string, Promise<unknown>>()
  return async <T>(key: string, task: () => Promise<T>): Promise<T> => {
    const run = (tails.get(key) ?? Promise.resolve()).then(task, task)
    const settled = run.then(
      () => undefined,
      () => undefined,
    )
    tails.set(key, settled)
    void settled.then(() => {
      if (tails.get(key) === settled) tails.delete(key)
    })
    return await run
  }
}
