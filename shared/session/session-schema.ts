/**
 * Session document schema v1: the root names and value types of one session's Y.Doc (PROTOCOL.md §1; why one
 * document per session: docs/architecture.md). Nothing else in the code base spells a root name; use the accessors
 * in session-doc.ts. Whether a stored entry fits this schema is decided in check-entry.ts (PROTOCOL.md §1.3).
 */

/** Current schema version, stored in `meta.schema`. */
export const SESSION_SCHEMA_VERSION = 1

/** Names of the top-level shared types of a session document. */
export const SESSION_ROOTS = {
  META: 'meta',
  MESSAGES: 'messages',
  STEERING: 'steering',
  RUNS: 'runs',
  CONTEXT: 'context',
  /** Idempotent-producer state of HTTP appends (PROTOCOL.md §9.7), written by the server only. */
  HTTP_PRODUCERS: 'httpProducers',
  /** Each person's display name, keyed by principal id: `{ name, setAt }`, written by that principal only. */
  PEOPLE: 'people',
} as const

/** Longest display name, in characters (UTF-16 code units), after trimming; also the cap of a token's `name`. */
export const MAX_DISPLAY_NAME_CHARS = 64

/** Plain-JSON view of one person's entry in `people`. */
export interface PersonView {
  readonly principalId: string
  readonly name: string
  /** When the name was set, epoch ms (the writer's clock). */
  readonly setAt: number
}

/**
 * A text part is closed and a new one opened once it holds this many characters. Yjs Y.Text appends slow
 * down about 10× past ~32k separate inserts (docs/architecture.md); a run of coalesced tokens is at least one character,
 * so this bound keeps every part well under that.
 */
export const MAX_TEXT_PART_CHARS = 16_384

/** Who a message is from. */
export const MESSAGE_ROLES = ['user', 'assistant', 'system', 'tool'] as const
export type MessageRole = (typeof MESSAGE_ROLES)[number]

/** Lifecycle of a message; only `streaming` is not final. */
export const MESSAGE_STATUSES = ['streaming', 'done', 'stopped', 'failed', 'interrupted'] as const
export type MessageStatus = (typeof MESSAGE_STATUSES)[number]

/** Lifecycle of an agent run (one reply being generated). */
export const RUN_STATES = ['running', 'done', 'stopped', 'failed', 'interrupted'] as const
export type RunState = (typeof RUN_STATES)[number]

/** Kinds of message parts. Text-like parts hold a Y.Text under `text`. */
export const PART_TYPES = ['text', 'reasoning', 'tool-call', 'tool-result'] as const
export type PartType = (typeof PART_TYPES)[number]

/**
 * Why a tool call's input is not what the tool expects. `INVALID_JSON`: the model's arguments string is not JSON
 * (often a reply cut at the token limit); the part keeps the raw string as `input` so nothing the model wrote is lost.
 */
export const TOOL_INPUT_ERRORS = ['INVALID_JSON'] as const
export type ToolInputError = (typeof TOOL_INPUT_ERRORS)[number]

/** Kinds of steering entries a person can post into a session. */
export const STEER_KINDS = ['stop', 'redirect', 'note', 'approve', 'reject'] as const
export type SteerKind = (typeof STEER_KINDS)[number]

/** Plain-JSON view of one steering entry; `handledBy` is set once, by the agent that acted on it. */
export interface SteerView {
  readonly id: string
  readonly kind: SteerKind
  readonly author: string
  readonly createdAt: number
  /** Label of the device the steer was posted from. */
  readonly device?: string
  readonly target?: string
  readonly text?: string
  readonly handledBy?: string
  readonly handledAt?: number
}

/** Plain-JSON view of one message part. */
export type PartView =
  | { readonly type: 'text' | 'reasoning'; readonly text: string }
  | {
      readonly type: 'tool-call'
      readonly toolCallId: string
      readonly toolName: string
      readonly input: unknown
      /** Set when the model's arguments could not be used as given; `input` then holds them verbatim. */
      readonly inputError?: ToolInputError
    }
  | { readonly type: 'tool-result'; readonly toolCallId: string; readonly output: unknown }

/** Plain-JSON view of one message; `text` joins its parts of type `text` in order (not `reasoning`). */
export interface MessageView {
  readonly id: string
  readonly role: MessageRole
  readonly author: string
  readonly device?: string
  readonly createdAt: number
  readonly status: MessageStatus
  readonly replyTo?: string
  readonly runId?: string
  readonly text: string
  readonly parts: readonly PartView[]
}

/** Plain-JSON view of one agent run. */
export interface RunView {
  readonly id: string
  readonly agent: string
  readonly messageId: string
  readonly state: RunState
  readonly startedAt: number
  readonly heartbeatAt: number
  readonly endedAt?: number
}

/** Plain-JSON view of a whole session, as served by `GET /v1/sessions/:id`. */
export interface TranscriptView {
  readonly id: string
  readonly schema: number | undefined
  readonly title: string
  readonly createdAt: number | undefined
  readonly messages: readonly MessageView[]
  readonly runs: readonly RunView[]
  readonly steering: readonly SteerView[]
}
