/**
 * fromModelWorker: the page side of an on-device model running in a Web Worker (./serve-on-device-model.ts there).
 * It is an OnDeviceGenerator: `agent.answer(id, fromModelWorker(worker))` sends the question to the worker and yields
 * the tokens and parts it streams back; stopping the reply aborts the worker's generation.
 */
import { createRandomId } from '../../shared/session/session-id.ts'
import type { ReplyPart } from '../agent/reply-part.ts'
import type { OnDeviceGenerator } from './create-on-device-agent.ts'
import { isModelWorkerMessage, type ModelWorkerEndpoint, type ModelWorkerReply } from './model-worker-protocol.ts'

/**
 * A generator that asks the model served in `worker`. Its stream fails with the worker's error message when the
 * worker's generator throws.
 */
export function fromModelWorker(worker: ModelWorkerEndpoint): OnDeviceGenerator {
  return ({ message, transcript, signal }) => stream(worker, { message, transcript, signal })
}

async function* stream(
  worker: ModelWorkerEndpoint,
  question: Parameters<OnDeviceGenerator>[0],
): AsyncGenerator<string | ReplyPart> {
  const id = createRandomId()
  const queue: ModelWorkerReply[] = []
  let wake: (() => void) | undefined
  const onMessage = (event: MessageEvent): void => {
    const data: unknown = event.data
    if (!isModelWorkerMessage(data) || data.id !== id) return
    queue.push(data as ModelWorkerReply)
    wake?.()
  }
  const abort = (): void => {
    worker.postMessage({ type: 'lifeline-model-abort', id })
    wake?.()
  }
  worker.addEventListener('message', onMessage)
  question.signal.addEventListener('abort', abort, { once: true })
  let finished = false
  try {
    worker.postMessage({
      type: 'lifeline-model-generate',
      id,
      message: question.message,
      transcript: question.transcript,
    })
    for (;;) {
      const next = queue.shift()
      if (next === undefined) {
        if (question.signal.aborted) return
        await new Promise<void>((resolve) => {
          wake = resolve
        })
        wake = undefined
        continue
      }
      if (next.type === 'lifeline-model-part') yield next.part
      else {
        finished = true
        if (next.type === 'lifeline-model-error') throw new Error(`on-device model worker: ${next.message}`)
        return
      }
    }
  } finally {
    worker.removeEventListener('message', onMessage)
    question.signal.removeEventListener('abort', abort)
    if (!finished && !question.signal.aborted) worker.postMessage({ type: 'lifeline-model-abort', id })
  }
}
