/**
 * Public "./ai-sdk" entry: the Vercel AI SDK integration (`ai` 7, `@ai-sdk/react` 4). In the browser, a `useChat`
 * transport backed by a Lifeline session; in the agent, a helper that pipes a UI message stream into a reply.
 */
export { createLifelineChatTransport } from './create-lifeline-chat-transport.ts'
export type {
  LifelineChatTransport,
  LifelineChatTransportOptions,
  FollowedChat,
} from './create-lifeline-chat-transport.ts'
export { toUIMessages, toUIMessage } from './to-ui-messages.ts'
export { pipeUIMessageStream } from './pipe-ui-message-stream.ts'
