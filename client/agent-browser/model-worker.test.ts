/**
 * An on-device model served over a real MessageChannel (the transport of a Web Worker's postMessage): the page side
 * yields what the worker's generator yields, in order; stopping the reply aborts the worker's signal; the worker's
 * error fails the page's stream with its message.
 */
import { MessageChannel, type MessagePort } from 'node:worker_threads'
import { afterEach, describe, expect, it } from 'vitest'
import type { MessageView } from '../../shared/session/session-schema.ts'
import type { OnDeviceGenerator } from './create-on-device-agent.ts'
import { fromModelWorker } from './from-model-worker.ts'
import type { ModelWorkerEndpoint } from './model-worker-protocol.ts'
import { serveOnDeviceModel } from './serve-on-device-model.ts'

const message: MessageView = {
  id: 'm_1',
  role: 'user',
  author: 'alice',
  createdAt: 1,
  status: 'done',
  text: 'hello',
  parts: [{ type: 'text', text: 'hello' }],
}

const ports: MessagePort[] = []
afterEach(() => {
  for (const port of ports.splice(0)) port.close()
})

/** A page end and a worker end joined by a MessageChannel. */
function channel(): { page: ModelWorkerEndpoint; worker: ModelWorkerEndpoint } {
  const { port1, port2 } = new MessageChannel()
  ports.push(port1, port2)
  port1.start()
  port2.start()
  return { page: port1 as unknown as ModelWorkerEndpoint, worker: port2 as unknown as ModelWorkerEndpoint }
}

async function collect(source: AsyncIterable<unknown>): Promise<unknown[]> {
  const out: unknown[] = []
  for await (const item of source) out.push(item)
  return out
}

describe('an on-device model in a worker', () => {
  it('streams the worker generator tokens and parts to the page, in order', async () => {
    const { page, worker } = channel()
    serveOnDeviceModel(async function* ({ message: question, transcript }) {
      yield `You said ${question.text}`
      yield { type: 'reasoning-delta', text: `${transcript.length} message` }
      yield '.'
    }, worker)
    const generate = fromModelWorker(page)
    const parts = await generate({ message, transcript: [message], signal: new AbortController().signal })
    expect(await collect(parts)).toEqual(['You said hello', { type: 'reasoning-delta', text: '1 message' }, '.'])
  })

  it('aborts the worker generation when the reply stops', async () => {
    const { page, worker } = channel()
    let workerSignal: AbortSignal | undefined
    const endless: OnDeviceGenerator = async function* ({ signal }) {
      workerSignal = signal
      while (!signal.aborted) {
        yield 'more '
        await new Promise((resolve) => setImmediate(resolve))
      }
    }
    serveOnDeviceModel(endless, worker)
    const controller = new AbortController()
    const seen: unknown[] = []
    for await (const part of await fromModelWorker(page)({ message, transcript: [], signal: controller.signal })) {
      seen.push(part)
      if (seen.length === 3) controller.abort()
    }
    expect(seen.length).toBeGreaterThanOrEqual(3)
    await expect.poll(() => workerSignal?.aborted).toBe(true)
  })

  it('fails the page stream with the worker generator error', async () => {
    const { page, worker } = channel()
    serveOnDeviceModel(async function* () {
      yield 'partial '
      throw new Error('out of GPU memory')
    }, worker)
    const parts = await fromModelWorker(page)({ message, transcript: [], signal: new AbortController().signal })
    await expect(collect(parts)).rejects.toThrow('on-device model worker: out of GPU memory')
  })
})
