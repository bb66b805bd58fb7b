/**
 * The built-in demo agent: attaches to sessions as `demo-agent` and answers every user message, with an
 * OpenAI-compatible LLM when LIFELINE_LLM_URL and LIFELINE_LLM_KEY are set, else with the deterministic
 * demo answer. It is an ordinary agent-SDK client connected over WebSocket, like any agent would be.
 */
import { createAgentSession, type AgentSession } from '../client/agent/index.ts'
import { demoAnswer } from './demo-answer.ts'
import { streamChatCompletion, type ChatMessage } from './openai-compatible-stream.ts'

/** Settings of the demo agent. */
export interface DemoAgentOptions {
  /** WebSocket URL of the server. */
  readonly url: string
  readonly agentId?: string
  /** Token for servers that require one (an agent token for `agentId`, scope `*`). */
  readonly token?: string
  /** OpenAI-compatible endpoint; the deterministic answer is used when absent. */
  readonly llm?: { baseUrl: string; apiKey: string; model: string }
  readonly tokenIntervalMs?: number
  readonly log?: (line: string) => void
}

/** A demo agent serving any number of sessions. */
export interface DemoAgent {
  /** Starts answering in `sessionId` (no-op when already attached). */
  attach(sessionId: string): Promise<void>
  close(): Promise<void>
}

/** Creates the demo agent. */
export function createDemoAgent(options: DemoAgentOptions): DemoAgent {
  const agentId = options.agentId ?? 'demo-agent'
  const log = options.log ?? ((line: string) => console.log(line))
  const sessions = new Map<string, Promise<AgentSession>>()

  /** Tokens answering the session so far; `instruction` is a redirect's text, answered instead of `prompt`. */
  const answer = (
    agent: AgentSession,
    prompt: string,
    signal: AbortSignal,
    instruction?: string,
  ): AsyncIterable<string> => {
    if (options.llm === undefined) {
      const text = instruction === undefined ? prompt : `(redirected) ${instruction}`
      return demoAnswer(text, {
        signal,
        ...(options.tokenIntervalMs === undefined ? {} : { tokenIntervalMs: options.tokenIntervalMs }),
      })
    }
    const history: ChatMessage[] = agent.client
      .messages()
      .filter((entry) => entry.role === 'user' || (entry.role === 'assistant' && entry.status === 'done'))
      .map((entry) => ({ role: entry.role === 'user' ? 'user' : 'assistant', content: entry.text }))
    if (instruction !== undefined) history.push({ role: 'user', content: instruction })
    return streamChatCompletion(history, { ...options.llm, signal })
  }

  return {
    async attach(sessionId) {
      if (sessions.has(sessionId)) return
      const attached = createAgentSession({
        url: options.url,
        sessionId,
        agentId,
        ...(options.token === undefined ? {} : { token: options.token }),
      })
      sessions.set(sessionId, attached)
      const agent = await attached.catch((error: unknown) => {
        sessions.delete(sessionId)
        throw error
      })
      // A redirect stopped the reply it targets; answer the same question again, steered by its text.
      agent.onSteer(
        async (steer) => {
          if (steer.kind !== 'redirect' || steer.text === undefined) return
          const stopped = agent.client.messages().find((entry) => entry.id === steer.target)
          const reply = agent.startReply(stopped?.replyTo === undefined ? {} : { replyTo: stopped.replyTo })
          log(`demo-agent: redirected in ${sessionId}: ${steer.text}`)
          await reply.pipe(answer(agent, '', reply.signal, steer.text))
        },
        (error) => {
          log(`demo-agent: redirect failed in ${sessionId}: ${String(error)}`)
        },
      )
      agent.onUserMessage(
        async (message) => {
          log(`demo-agent: answering ${message.id} in ${sessionId}`)
          const reply = agent.startReply({ replyTo: message.id })
          const end = await reply.pipe(answer(agent, message.text, reply.signal))
          log(`demo-agent: ${message.id} in ${sessionId} ended ${end}`)
        },
        (error) => {
          log(`demo-agent: reply failed in ${sessionId}: ${String(error)}`)
        },
      )
    },
    async close() {
      const agents = await Promise.allSettled(sessions.values())
      await Promise.all(
        agents.map((result) =>
          result.status === 'fulfilled' ? result.value.close().catch(() => undefined) : undefined,
        ),
      )
    },
  }
}
