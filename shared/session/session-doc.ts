/**
 * Typed accessors for the session document (schema in session-schema.ts). Both the server (transcripts,
 * initialisation) and the clients (messages, replies) read and write the document only through these. The list
 * readers (`listMessages`, `readMessages`, `readSteering`, `readRuns`, `readTranscript`, `findMessage`) skip
 * quarantined entries, those that do not fit the schema (check-entry.ts), and never throw on any document. Messages
 * read as views come in session order (order-messages.ts); `listMessages` keeps document order.
 *
 *   const message = appendMessage(doc, { id, role: 'user', author: 'alice', text: 'hi', status: 'done' })
 *   appendText(reply, 'tok')  // opens a new text part past MAX_TEXT_PART_CHARS
 *   appendToolCall(reply, { toolCallId: 'call_1', toolName: 'search', input: { q: 'yjs' } })
 */
import * as Y from 'yjs'
import {
  MAX_TEXT_PART_CHARS,
  MESSAGE_ROLES,
  MESSAGE_STATUSES,
  RUN_STATES,
  SESSION_ROOTS,
  SESSION_SCHEMA_VERSION,
  STEER_KINDS,
  TOOL_INPUT_ERRORS,
  type MessageRole,
  type MessageStatus,
  type MessageView,
  type PartView,
  type RunState,
  type RunView,
  type SteerKind,
  type SteerView,
  type ToolInputError,
  type TranscriptView,
} from './session-schema.ts'
import { checkMetaValue, isMessageEntry, isRunEntry, isSteerEntry } from './check-entry.ts'
import { orderMessages } from './order-messages.ts'

/** Fields of a new message. `text`, when given, becomes its first text part. */
export interface NewMessage {
  readonly id: string
  readonly role: MessageRole
  readonly author: string
  readonly status: MessageStatus
  readonly createdAt?: number
  readonly device?: string
  readonly replyTo?: string
  readonly runId?: string
  /** W3C traceparent of the span that writes the message (an agent's reply span, PROTOCOL.md §12). */
  readonly traceparent?: string
  readonly text?: string
}

/** Fields of a new steering entry. */
export interface NewSteer {
  readonly id: string
  readonly kind: SteerKind
  readonly author: string
  readonly createdAt?: number
  /** Label of the device it was posted from (shown as "Stopped by Bob, phone"). */
  readonly device?: string
  /** Message the steer is about (e.g. the reply to stop). */
  readonly target?: string
  readonly text?: string
}

/** A tool call the model made, stored as a `tool-call` part. */
export interface NewToolCall {
  readonly toolCallId: string
  readonly toolName: string
  /** The tool's arguments; stored as plain JSON. */
  readonly input: unknown
  readonly inputError?: ToolInputError
}

/** What a tool returned, stored as a `tool-result` part. */
export interface NewToolResult {
  readonly toolCallId: string
  /** Stored as plain JSON. */
  readonly output: unknown
}

/** Fields of a new run. */
export interface NewRun {
  readonly id: string
  readonly agent: string
  readonly messageId: string
  readonly startedAt: number
}

/**
 * The top-level shared types of a session document. Each is got from the document when read, so a root nobody reads
 * is not created: an empty root costs a server several hundred bytes per loaded session.
 */
export function getSessionRoots(doc: Y.Doc) {
  return {
    get meta() {
      return doc.getMap<unknown>(SESSION_ROOTS.META)
    },
    get messages() {
      return doc.getArray<Y.Map<unknown>>(SESSION_ROOTS.MESSAGES)
    },
    get steering() {
      return doc.getArray<Y.Map<unknown>>(SESSION_ROOTS.STEERING)
    },
    get runs() {
      return doc.getMap<Y.Map<unknown>>(SESSION_ROOTS.RUNS)
    },
    get context() {
      return doc.getMap<unknown>(SESSION_ROOTS.CONTEXT)
    },
  }
}

/** Writes schema version, title and creation time when the document has none yet; returns true if it wrote. */
export function initializeSession(doc: Y.Doc, init: { title: string; createdAt: number }): boolean {
  const { meta } = getSessionRoots(doc)
  if (meta.has('schema')) return false
  doc.transact(() => {
    meta.set('schema', SESSION_SCHEMA_VERSION)
    meta.set('title', init.title)
    meta.set('createdAt', init.createdAt)
  })
  return true
}

/** Appends a message and returns its map. Call inside a transaction to batch it with other writes. */
export function appendMessage(doc: Y.Doc, message: NewMessage): Y.Map<unknown> {
  const map = new Y.Map<unknown>()
  map.set('id', message.id)
  map.set('role', message.role)
  map.set('author', message.author)
  map.set('createdAt', message.createdAt ?? Date.now())
  map.set('status', message.status)
  if (message.device !== undefined) map.set('device', message.device)
  if (message.replyTo !== undefined) map.set('replyTo', message.replyTo)
  if (message.runId !== undefined) map.set('runId', message.runId)
  if (message.traceparent !== undefined) map.set('traceparent', message.traceparent)
  const parts = new Y.Array<Y.Map<unknown>>()
  map.set('parts', parts)
  doc.transact(() => {
    getSessionRoots(doc).messages.push([map])
    if (message.text !== undefined && message.text.length > 0) appendText(map, message.text)
  })
  return map
}

/** Appends text to the message's last text part, opening a new part when it is full or absent. */
export function appendText(message: Y.Map<unknown>, text: string, partType: 'text' | 'reasoning' = 'text'): void {
  const parts = message.get('parts') as Y.Array<Y.Map<unknown>>
  const last = parts.length > 0 ? parts.get(parts.length - 1) : undefined
  const lastText = last?.get('type') === partType ? last.get('text') : undefined
  if (lastText instanceof Y.Text && lastText.length + text.length <= MAX_TEXT_PART_CHARS) {
    lastText.insert(lastText.length, text)
    return
  }
  const part = new Y.Map<unknown>()
  part.set('type', partType)
  part.set('text', new Y.Text(text))
  parts.push([part])
}

/**
 * Appends a `tool-call` part to the message. `input` is stored as a plain-JSON copy (what JSON.stringify keeps;
 * undefined becomes null), so every replica reads the same value.
 * @throws TypeError when `input` cannot be serialised as JSON (a cycle, a BigInt)
 */
export function appendToolCall(message: Y.Map<unknown>, call: NewToolCall): void {
  const part = new Y.Map<unknown>()
  part.set('type', 'tool-call')
  part.set('toolCallId', call.toolCallId)
  part.set('toolName', call.toolName)
  part.set('input', toJsonValue(call.input))
  if (call.inputError !== undefined) part.set('inputError', call.inputError)
  ;(message.get('parts') as Y.Array<Y.Map<unknown>>).push([part])
}

/**
 * Appends a `tool-result` part to the message; `output` is stored as a plain-JSON copy, like a tool call's input.
 * @throws TypeError when `output` cannot be serialised as JSON
 */
export function appendToolResult(message: Y.Map<unknown>, result: NewToolResult): void {
  const part = new Y.Map<unknown>()
  part.set('type', 'tool-result')
  part.set('toolCallId', result.toolCallId)
  part.set('output', toJsonValue(result.output))
  ;(message.get('parts') as Y.Array<Y.Map<unknown>>).push([part])
}

/** Sets a message's status (and keeps every other field). */
export function setMessageStatus(message: Y.Map<unknown>, status: MessageStatus): void {
  message.set('status', status)
}

/** Finds a message map by id, scanning from the newest; quarantined entries are skipped. */
export function findMessage(doc: Y.Doc, id: string): Y.Map<unknown> | undefined {
  const messages = getSessionRoots(doc).messages as Y.Array<unknown>
  for (let index = messages.length - 1; index >= 0; index--) {
    const message = messages.get(index)
    if (message instanceof Y.Map && message.get('id') === id && isMessageEntry(message)) return message
  }
  return undefined
}

/** The message maps that fit the schema, in document order. */
export function listMessages(doc: Y.Doc): Y.Map<unknown>[] {
  return (getSessionRoots(doc).messages.toArray() as unknown[]).filter(isMessageEntry)
}

/** The runs that fit the schema, as `[runId, run]`, in map order. */
export function listRuns(doc: Y.Doc): Array<[string, Y.Map<unknown>]> {
  const runs: Array<[string, Y.Map<unknown>]> = []
  ;(getSessionRoots(doc).runs as Y.Map<unknown>).forEach((run, id) => {
    if (isRunEntry(run)) runs.push([id, run])
  })
  return runs
}

/** Records a new run in state `running`. */
export function startRun(doc: Y.Doc, run: NewRun): Y.Map<unknown> {
  const map = new Y.Map<unknown>()
  map.set('agent', run.agent)
  map.set('messageId', run.messageId)
  map.set('state', 'running')
  map.set('startedAt', run.startedAt)
  map.set('heartbeatAt', run.startedAt)
  getSessionRoots(doc).runs.set(run.id, map)
  return map
}

/** Moves a run to a final state; does nothing when there is no such run (or it is quarantined). */
export function endRun(doc: Y.Doc, runId: string, state: Exclude<RunState, 'running'>, endedAt: number): void {
  const run: unknown = getSessionRoots(doc).runs.get(runId)
  if (!isRunEntry(run)) return
  run.set('state', state)
  run.set('endedAt', endedAt)
}

/** Appends a steering entry and returns its map. */
export function appendSteer(doc: Y.Doc, steer: NewSteer): Y.Map<unknown> {
  const map = new Y.Map<unknown>()
  map.set('id', steer.id)
  map.set('kind', steer.kind)
  map.set('author', steer.author)
  map.set('createdAt', steer.createdAt ?? Date.now())
  if (steer.device !== undefined) map.set('device', steer.device)
  if (steer.target !== undefined) map.set('target', steer.target)
  if (steer.text !== undefined) map.set('text', steer.text)
  getSessionRoots(doc).steering.push([map])
  return map
}

/** Marks a steering entry handled by `agentId`; returns false when it was already handled. */
export function markSteerHandled(steer: Y.Map<unknown>, agentId: string, handledAt: number): boolean {
  if (steer.has('handledBy')) return false
  steer.set('handledBy', agentId)
  steer.set('handledAt', handledAt)
  return true
}

/** Plain-JSON views of the steering entries that fit the schema, in document order. */
export function readSteering(doc: Y.Doc): SteerView[] {
  return (getSessionRoots(doc).steering.toArray() as unknown[]).filter(isSteerEntry).map(readSteer)
}

/** Plain-JSON view of one steering entry. */
export function readSteer(steer: Y.Map<unknown>): SteerView {
  const device = optionalString(steer.get('device'))
  const target = optionalString(steer.get('target'))
  const text = optionalString(steer.get('text'))
  const handledBy = optionalString(steer.get('handledBy'))
  const handledAt = steer.get('handledAt')
  return {
    id: String(steer.get('id')),
    kind: oneOf(STEER_KINDS, steer.get('kind'), 'note'),
    author: String(steer.get('author') ?? ''),
    createdAt: Number(steer.get('createdAt') ?? 0),
    ...(device === undefined ? {} : { device }),
    ...(target === undefined ? {} : { target }),
    ...(text === undefined ? {} : { text }),
    ...(handledBy === undefined ? {} : { handledBy }),
    ...(typeof handledAt === 'number' ? { handledAt } : {}),
  }
}

/** Plain-JSON view of one message; parts that are not maps are left out. */
export function readMessage(message: Y.Map<unknown>): MessageView {
  const stored = message.get('parts')
  const parts =
    stored instanceof Y.Array
      ? (stored.toArray() as unknown[]).filter((part) => part instanceof Y.Map).map(readPart)
      : []
  const device = optionalString(message.get('device'))
  const replyTo = optionalString(message.get('replyTo'))
  const runId = optionalString(message.get('runId'))
  return {
    id: String(message.get('id')),
    role: oneOf(MESSAGE_ROLES, message.get('role'), 'system'),
    author: String(message.get('author') ?? ''),
    createdAt: Number(message.get('createdAt') ?? 0),
    status: oneOf(MESSAGE_STATUSES, message.get('status'), 'done'),
    text: parts.map((part) => (part.type === 'text' ? part.text : '')).join(''),
    parts,
    ...(device === undefined ? {} : { device }),
    ...(replyTo === undefined ? {} : { replyTo }),
    ...(runId === undefined ? {} : { runId }),
  }
}

/**
 * Plain-JSON views of the messages that fit the schema, in session order (order-messages.ts, PROTOCOL.md §11): each
 * reply after its question, the rest in document order. The same on every replica that holds the same updates.
 */
export function readMessages(doc: Y.Doc): MessageView[] {
  return orderMessages(listMessages(doc).map(readMessage))
}

/** Plain-JSON views of the runs that fit the schema, oldest first (ties by id), the same on every replica. */
export function readRuns(doc: Y.Doc): RunView[] {
  const views: RunView[] = []
  for (const [id, run] of listRuns(doc)) {
    const endedAt = run.get('endedAt')
    views.push({
      id,
      agent: String(run.get('agent') ?? ''),
      messageId: String(run.get('messageId') ?? ''),
      state: oneOf(RUN_STATES, run.get('state'), 'interrupted'),
      startedAt: Number(run.get('startedAt') ?? 0),
      heartbeatAt: Number(run.get('heartbeatAt') ?? 0),
      ...(typeof endedAt === 'number' ? { endedAt } : {}),
    })
  }
  return views.sort((a, b) => a.startedAt - b.startedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
}

/** Plain-JSON view of the whole session; a quarantined `meta` value reads as absent. */
export function readTranscript(id: string, doc: Y.Doc): TranscriptView {
  const { meta } = getSessionRoots(doc)
  const fitting = (key: string): unknown => {
    const value = meta.get(key)
    return checkMetaValue(key, value) === undefined ? value : undefined
  }
  const schema = fitting('schema')
  const title = fitting('title')
  const createdAt = fitting('createdAt')
  return {
    id,
    schema: typeof schema === 'number' ? schema : undefined,
    title: typeof title === 'string' ? title : '',
    createdAt: typeof createdAt === 'number' ? createdAt : undefined,
    messages: readMessages(doc),
    runs: readRuns(doc),
    steering: readSteering(doc),
  }
}

/** Plain-JSON view of one message part (a text part's whole text). */
export function readPart(part: Y.Map<unknown>): PartView {
  const type = part.get('type')
  if (type === 'tool-call') {
    const inputError = part.get('inputError')
    return {
      type,
      toolCallId: String(part.get('toolCallId')),
      toolName: String(part.get('toolName')),
      input: part.get('input'),
      ...(TOOL_INPUT_ERRORS.includes(inputError as ToolInputError) ? { inputError: inputError as ToolInputError } : {}),
    }
  }
  if (type === 'tool-result') {
    return { type, toolCallId: String(part.get('toolCallId')), output: part.get('output') }
  }
  const text = part.get('text')
  return { type: type === 'reasoning' ? 'reasoning' : 'text', text: text instanceof Y.Text ? text.toString() : '' }
}

function toJsonValue(value: unknown): unknown {
  const json = JSON.stringify(value)
  return json === undefined ? null : (JSON.parse(json) as unknown)
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined
}

function oneOf<T extends string>(allowed: readonly T[], value: unknown, fallback: T): T {
  return allowed.includes(value as T) ? (value as T) : fallback
}
