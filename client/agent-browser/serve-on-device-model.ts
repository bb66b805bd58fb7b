/**
 * serveOnDeviceModel: the Web Worker side of an on-device model. Call it in the worker with the generator that runs
 * the model there (WebLLM, a Prompt API session, any AsyncIterable); the page's `fromModelWorker(worker)` hands
 * its questions over and writes the tokens that come back into the session's local replica. So the model's work
 * leaves the page's thread while the reply is still written where the person's replica lives.
 *
 *   // model-worker.ts
 *   serveOnDeviceModel(({ message, signal }) => fromPromptApiStream(model.promptStreaming(message.text, { signal })))
 */
import type { OnDeviceGenerator } from './create-on-device-agent.ts'
import {
  isModelWorkerMessage,
  type ModelWorkerEndpoint,
  type ModelWorkerReply,
  type ModelWorkerRequest,
} from './model-worker-protocol.ts'

/**
 * Answers the page's requests on `scope` (default: the worker's global scope) with `generate`; each request gets
 * its own AbortSignal, aborted when the page stops the reply. Returns a function that stops serving.
 */
export function serveOnDeviceModel(
  generate: OnDeviceGenerator,
  scope: ModelWorkerEndpoint = globalThis as unknown as ModelWorkerEndpoint,
): () => void {
  const running = new Map<string, AbortController>()
  const send = (reply: ModelWorkerReply): void => {
    scope.postMessage(reply)
  }
  const run = async (request: Extract<ModelWorkerRequest, { type: 'lifeline-model-generate' }>): Promise<void> => {
    const controller = new AbortController()
    running.set(request.id, controller)
    try {
      const parts = await generate({
        message: request.message,
        transcript: request.transcript,
        signal: controller.signal,
      })
      for await (const part of parts) {
        if (controller.signal.aborted) break
        send({ type: 'lifeline-model-part', id: request.id, part })
      }
      send({ type: 'lifeline-model-end', id: request.id })
    } catch (error) {
      send({
        type: 'lifeline-model-error',
        id: request.id,
        message: error instanceof Error ? error.message : String(error),
      })
    } finally {
      running.delete(request.id)
    }
  }
  const onMessage = (event: MessageEvent): void => {
    const data: unknown = event.data
    if (!isModelWorkerMessage(data)) return
    const request = data as ModelWorkerRequest
    if (request.type === 'lifeline-model-abort') running.get(request.id)?.abort()
    else if (request.type === 'lifeline-model-generate') void run(request)
  }
  scope.addEventListener('message', onMessage)
  return () => {
    scope.removeEventListener('message', onMessage)
    for (const controller of running.values()) controller.abort()
  }
}
