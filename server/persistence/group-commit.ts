/**
 * Group commit: requests submitted in the same event-loop turn are written by one call of `write` (one
 * transaction), so many connections appending at once pay for one commit instead of one each.
 */

/** A batching front of a synchronous batch writer. */
export interface GroupCommit<Request, Result> {
  /** Queues a request; resolves with its result once its batch is written. */
  submit (request: Request): Promise<Result>
  /** Resolves when every submitted request has been written (or failed). */
  drain (): Promise<void>
}

/** Wraps `write`, which receives a batch and returns one result per request in order (or throws for all). */
export function createGroupCommit<Request, Result> (
  write: (batch: readonly Request[]) => Result[],
): GroupCommit<Request, Result> {
  let queue: Array<{ request: Request, resolve: (result: Result) => void, reject: (error: unknown) => void }> = []
  let flushing: Promise<void> | undefined

  const flush = (): void => {
    const batch = queue
    queue = []
    flushing = undefined
    try {
      const results = write(batch.map((item) => item.request))
      batch.forEach((item, index) => item.resolve(results[index] as Result))
    } catch (error) {
      for (const item of batch) item.reject(error)
    }
  }

  return {
    submit (request) {
      return new Promise<Result>((resolve, reject) => {
        queue.push({ request, resolve, reject })
        flushing ??= new Promise<void>((done) => setImmediate(() => { flush(); done() }))
      })
    },
    async drain () {
      while (flushing !== undefined) await flushing
    },
  }
}
