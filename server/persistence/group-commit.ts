/**
 * Group commit: requests submitted while a batch is being written wait and go together in the next one, so
 * many connections appending at once pay for one transaction (and one fsync) instead of one each. Works with
 * synchronous writers (SQLite) and asynchronous ones (PostgreSQL); at most one batch is written at a time. A writer
 * refuses one request of a batch alone by returning an Error in its place (e.g. an append to a deleted session).
 */

/** A batching front of a batch writer. */
export interface GroupCommit<Request, Result> {
  /** Queues a request; resolves with its result once its batch is written, rejects if that batch failed. */
  submit(request: Request): Promise<Result>
  /** Resolves when every request submitted so far has been written (or failed). */
  drain(): Promise<void>
}

interface Pending<Request, Result> {
  readonly request: Request
  readonly resolve: (result: Result) => void
  readonly reject: (error: unknown) => void
}

/**
 * Wraps `write`, which receives a batch and returns one result per request in order (or throws for all); an Error in
 * place of a result rejects that request only. `Result` itself is never an Error.
 */
export function createGroupCommit<Request, Result>(
  write: (batch: readonly Request[]) => Array<Result | Error> | Promise<Array<Result | Error>>,
): GroupCommit<Request, Result> {
  let queue: Array<Pending<Request, Result>> = []
  let running: Promise<void> | undefined

  const writeBatch = async (batch: Array<Pending<Request, Result>>): Promise<void> => {
    try {
      const results = await write(batch.map((item) => item.request))
      batch.forEach((item, index) => {
        const result = results[index] as Result | Error
        if (result instanceof Error) item.reject(result)
        else item.resolve(result)
      })
    } catch (error) {
      for (const item of batch) item.reject(error)
    }
  }

  const run = async (): Promise<void> => {
    // Let the current event-loop turn add its requests to the first batch.
    await new Promise<void>((resolve) => {
      setImmediate(resolve)
    })
    while (queue.length > 0) {
      const batch = queue
      queue = []
      await writeBatch(batch)
    }
    running = undefined
  }

  return {
    submit(request) {
      return new Promise<Result>((resolve, reject) => {
        queue.push({ request, resolve, reject })
        running ??= run()
      })
    },
    async drain() {
      while (running !== undefined) await running
    },
  }
}
