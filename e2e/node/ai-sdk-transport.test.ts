/**
 * The Lifeline chat transport under the AI SDK's own `Chat` (the class behind `useChat` in `@ai-sdk/react`), with an
 * agent that pipes `streamText(...).toUIMessageStream()` from `ai`'s mock language model into the session: a sent
 * message comes back as a reply with reasoning, tool and text parts; a chat opened anew mid-stream (a refresh, or
 * another device) resumes the reply with no duplicate while the model is called once; a second device follows the
 * chat and stops the agent with `stop()`.
 */
import { Chat } from '@ai-sdk/react'
import { jsonSchema, stepCountIs, streamText, tool, type UIMessage } from 'ai'
import { describe, expect } from 'vitest'
import { createLifelineChatTransport } from '../../client/ai-sdk/create-lifeline-chat-transport.ts'
import { pipeUIMessageStream } from '../../client/ai-sdk/pipe-ui-message-stream.ts'
import { finishPart, mockModel, wordsModel } from '../../client/agent/adapters/testing/mock-model.ts'
import type { AgentSession } from '../../client/agent/agent-session.ts'
import type { SessionClient } from '../../client/core/session-client.ts'
import { test } from '../testing/fixtures.ts'

type Model = ReturnType<typeof mockModel>

/** Answers every user message by piping the model's UI message stream into a reply. */
function serve(agent: AgentSession, model: Model, tools = {}): void {
  agent.onUserMessage(async (message) => {
    const reply = agent.startReply({ replyTo: message.id })
    const result = streamText({
      model,
      prompt: message.text,
      tools,
      stopWhen: stepCountIs(3),
      abortSignal: reply.signal,
    })
    await pipeUIMessageStream(reply, result.toUIMessageStream())
  })
}

const openChat = (client: SessionClient): Chat<UIMessage> =>
  new Chat({ id: client.sessionId, transport: createLifelineChatTransport({ client }) })

const assistantTexts = (chat: Chat<UIMessage>): string[] =>
  chat.messages
    .filter((message) => message.role === 'assistant')
    .map((message) => message.parts.map((part) => (part.type === 'text' ? part.text : '')).join(''))

describe('the Lifeline chat transport with the AI SDK Chat', () => {
  test('a sent message comes back with reasoning, tool and text parts', async ({ connectClient, connectAgent }) => {
    const client = connectClient()
    await client.waitForSynced()
    const model = mockModel([
      [
        { type: 'reasoning-start', id: 'r' },
        { type: 'reasoning-delta', id: 'r', delta: 'Use the tool.' },
        { type: 'reasoning-end', id: 'r' },
        { type: 'tool-call', toolCallId: 'call_1', toolName: 'weather', input: '{"city":"Oslo"}' },
        finishPart('tool-calls'),
      ],
      [
        { type: 'text-start', id: 't' },
        { type: 'text-delta', id: 't', delta: 'Oslo: -3 °C.' },
        { type: 'text-end', id: 't' },
        finishPart('stop'),
      ],
    ])
    const weather = tool({
      inputSchema: jsonSchema<{ city: string }>({ type: 'object', properties: { city: { type: 'string' } } }),
      execute: async ({ city }) => ({ city, celsius: -3 }),
    })
    serve(await connectAgent(), model, { weather })
    const chat = openChat(client)
    await chat.sendMessage({ text: 'Weather in Oslo?' })
    expect(chat.status).toBe('ready')
    const reply = chat.messages.at(-1)
    expect(reply?.role).toBe('assistant')
    expect(reply?.parts).toMatchObject([
      { type: 'reasoning', text: 'Use the tool.', state: 'done' },
      {
        type: 'dynamic-tool',
        toolCallId: 'call_1',
        toolName: 'weather',
        state: 'output-available',
        input: { city: 'Oslo' },
        output: { city: 'Oslo', celsius: -3 },
      },
      { type: 'text', text: 'Oslo: -3 °C.', state: 'done' },
    ])
    expect(reply?.id).toBe(client.messages().at(-1)?.id)
  })

  test('a chat reopened mid-stream resumes the reply once, without duplicates, and the model runs once', async ({
    connectClient,
    connectAgent,
  }) => {
    const first = connectClient({ device: 'tab-1' })
    await first.waitForSynced()
    const { model, text } = wordsModel(300, 3)
    serve(await connectAgent(), model)
    const sent = openChat(first).sendMessage({ text: 'Write' })
    await expect.poll(() => first.messages().at(-1)?.text.length ?? 0, { timeout: 10_000 }).toBeGreaterThan(30)
    first.destroy() // the tab is reloaded: its client and chat are gone mid-stream
    await sent // the old chat's stream ends with an error once its client is gone
    const reloaded = connectClient({ device: 'tab-1-reloaded' })
    await reloaded.waitForSynced()
    const transport = createLifelineChatTransport({ client: reloaded })
    const chat = new Chat({ id: reloaded.sessionId, transport, messages: transport.messages() })
    expect(assistantTexts(chat)).toHaveLength(1)
    await chat.resumeStream()
    expect(chat.status).toBe('ready')
    expect(assistantTexts(chat)).toEqual([text])
    expect(chat.messages.map((message) => message.role)).toEqual(['user', 'assistant'])
    expect(model.doStreamCalls).toHaveLength(1)
  })

  test('a second device follows the chat and stops the agent with stop()', async ({ connectClient, connectAgent }) => {
    const phone = connectClient({ device: 'phone' })
    const laptop = connectClient({ device: 'laptop' })
    await Promise.all([phone.waitForSynced(), laptop.waitForSynced()])
    const { model, text } = wordsModel(3_000, 5)
    serve(await connectAgent(), model)
    const phoneChat = openChat(phone)
    const laptopTransport = createLifelineChatTransport({ client: laptop })
    const laptopChat = new Chat({ id: laptop.sessionId, transport: laptopTransport })
    const unfollow = laptopTransport.follow(laptopChat)
    const sent = phoneChat.sendMessage({ text: 'Write a lot' })
    await expect.poll(() => laptopChat.status, { timeout: 10_000 }).toBe('streaming')
    await expect.poll(() => assistantTexts(laptopChat)[0]?.length ?? 0, { timeout: 10_000 }).toBeGreaterThan(30)
    expect(laptopChat.messages.map((message) => message.role)).toEqual(['user', 'assistant'])
    await laptopChat.stop()
    await expect.poll(() => phone.messages().at(-1)?.status, { timeout: 10_000 }).toBe('stopped')
    await sent
    expect(phoneChat.status).toBe('ready')
    const stored = phone.messages().at(-1)?.text ?? ''
    expect(text.startsWith(stored)).toBe(true)
    expect(stored.length).toBeLessThan(text.length)
    await expect.poll(() => assistantTexts(laptopChat), { timeout: 10_000 }).toEqual([stored])
    unfollow()
    expect(model.doStreamCalls).toHaveLength(1)
  })
})
