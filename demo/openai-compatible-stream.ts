/**
 * Streams a chat completion from any OpenAI-compatible endpoint (`POST {baseUrl}/chat/completions` with
 * `stream: true`) as text deltas. Used by the demo agent when LIFELINE_LLM_URL and LIFELINE_LLM_KEY are set.
 */
import { SessionError } from '../shared/errors/session-error.ts'

/** Connection settings for an OpenAI-compatible API. */
export interface OpenAiCompatibleOptions {
  /** Base URL, e.g. `https://api.openai.com/v1`. */
  readonly baseUrl: string
  readonly apiKey: string
  readonly model: string
  readonly signal?: AbortSignal
}

/** A chat message in the OpenAI format. */
export interface ChatMessage {
  readonly role: 'system' | 'user' | 'assistant'
  readonly content: string
}

/**
 * Yields the content deltas of one streamed completion.
 * @throws SessionError BAD_REQUEST when the endpoint answers with an error status
 */
export async function* streamChatCompletion(
  messages: readonly ChatMessage[],
  options: OpenAiCompatibleOptions,
): AsyncGenerator<string> {
  const response = await fetch(`${options.baseUrl.replace(/\/$/, '')}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${options.apiKey}` },
    body: JSON.stringify({ model: options.model, stream: true, messages }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  })
  if (!response.ok || response.body === null) {
    throw new SessionError('BAD_REQUEST', `LLM endpoint answered ${response.status}`, {
      details: { status: response.status, body: await response.text() },
    })
  }
  const decoder = new TextDecoder()
  let pending = ''
  for await (const chunk of response.body) {
    pending += decoder.decode(chunk as Uint8Array, { stream: true })
    const lines = pending.split('\n')
    pending = lines.pop() ?? ''
    for (const line of lines) {
      const event = parseDataLine(line.trim())
      if (event.end) return
      if (event.text !== undefined && event.text !== '') yield event.text
    }
  }
}

function parseDataLine(line: string): { end: boolean; text?: string | undefined } {
  if (!line.startsWith('data:')) return { end: false }
  const data = line.slice(5).trim()
  if (data === '[DONE]') return { end: true }
  const parsed = JSON.parse(data) as { choices?: Array<{ delta?: { content?: string } }> }
  return { end: false, text: parsed.choices?.[0]?.delta?.content }
}
