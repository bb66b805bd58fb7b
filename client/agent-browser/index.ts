/**
 * Public "./agent-browser" entry (browsers and Web Workers, no Node built-ins): an agent that answers on the person's
 * own device by writing into the local replica, offline too (docs/offline.md § An agent on the device), and the
 * adapters that plug models into it: WebLLM's OpenAI-compatible stream, the browser's Prompt API, AI SDK streams.
 */
export { createOnDeviceAgent } from './create-on-device-agent.ts'
export type {
  OnDeviceAgent,
  OnDeviceAgentOptions,
  OnDeviceGenerator,
  OnDeviceQuestion,
  OnDeviceReply,
} from './create-on-device-agent.ts'
export { serveOnDeviceModel } from './serve-on-device-model.ts'
export { fromModelWorker } from './from-model-worker.ts'
export type { ModelWorkerEndpoint } from './model-worker-protocol.ts'
export { fromPromptApiStream } from '../agent/adapters/from-prompt-api-stream.ts'
export type { PromptApiChunking, PromptApiStream } from '../agent/adapters/from-prompt-api-stream.ts'
export { fromOpenAiChatStream } from '../agent/adapters/from-openai-chat-stream.ts'
export type { OpenAiChatChunk, OpenAiChatDelta } from '../agent/adapters/from-openai-chat-stream.ts'
export { fromAiSdkStream } from '../agent/adapters/from-ai-sdk-stream.ts'
export type { AiSdkStreamPart } from '../agent/adapters/from-ai-sdk-stream.ts'
export type { ReplyEnd, ReplyWriterOptions } from '../agent/reply-writer.ts'
export type { ReplyPart } from '../agent/reply-part.ts'
export { ON_DEVICE_AGENT_SUFFIX, onDeviceAgentId } from '../../shared/auth/on-device-agent-id.ts'
