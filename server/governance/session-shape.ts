/**
 * The shape every reader of a session relies on (schema v1, shared/session/session-schema.ts), checked per inserted
 * item: `parts` is a list of maps, a text part's `text` is a Y.Text holding only text, enum fields hold a known
 * value, steering and run entries hold plain values only. Without it a principal could break every reader of the
 * transcript with a malformed message of its own. Unknown keys may hold plain values (room for later fields);
 * `context` is free-form.
 */
import * as Y from 'yjs'
import {
  MESSAGE_ROLES,
  MESSAGE_STATUSES,
  PART_TYPES,
  RUN_STATES,
  SESSION_ROOTS,
  STEER_KINDS,
  TOOL_INPUT_ERRORS,
} from '../../shared/session/session-schema.ts'
import type { PlacedLocation, RuleViolation } from './session-write-rules.ts'
import { plainValue } from './session-write-rules.ts'

/** What a field may hold. */
type FieldKind = 'string' | 'number' | 'plain' | 'list' | 'text' | readonly string[]

const MESSAGE_FIELDS: Readonly<Record<string, FieldKind>> = {
  id: 'string',
  role: MESSAGE_ROLES,
  author: 'string',
  createdAt: 'number',
  status: MESSAGE_STATUSES,
  device: 'string',
  replyTo: 'string',
  runId: 'string',
  traceparent: 'string',
  parts: 'list',
}
const PART_FIELDS: Readonly<Record<string, FieldKind>> = {
  type: PART_TYPES,
  text: 'text',
  toolCallId: 'string',
  toolName: 'string',
  input: 'plain',
  output: 'plain',
  inputError: TOOL_INPUT_ERRORS,
}
const STEER_FIELDS: Readonly<Record<string, FieldKind>> = {
  id: 'string',
  kind: STEER_KINDS,
  author: 'string',
  createdAt: 'number',
  device: 'string',
  target: 'string',
  text: 'string',
  handledBy: 'string',
  handledAt: 'number',
}
const RUN_FIELDS: Readonly<Record<string, FieldKind>> = {
  agent: 'string',
  messageId: 'string',
  state: RUN_STATES,
  startedAt: 'number',
  heartbeatAt: 'number',
  endedAt: 'number',
}

/** Checks that `item`, placed at `location`, keeps the session readable; undefined when it does. */
export function checkShape(location: PlacedLocation, item: Y.Item): RuleViolation | undefined {
  if (item.content instanceof Y.ContentDeleted) return undefined // created and deleted at once: holds nothing
  const depth = location.path.length
  if (depth === 1) return undefined // entries themselves: checked by the write rules (a map, appended)
  const key = (level: number): string | null => location.path[level]?.key ?? null
  switch (location.root) {
    case SESSION_ROOTS.MESSAGES:
      if (depth === 2) return field(MESSAGE_FIELDS, key(1), item)
      if (depth === 3 && key(1) === 'parts')
        return key(2) === null && isType(item, Y.Map) ? undefined : mismatch('a part must be a map in the parts list')
      if (depth === 4 && key(1) === 'parts') return field(PART_FIELDS, key(3), item)
      if (depth === 5 && key(1) === 'parts' && key(3) === 'text')
        return isTextContent(item) ? undefined : mismatch('a text part holds text only')
      return mismatch('nothing else nests inside a message')
    case SESSION_ROOTS.STEERING:
      return depth === 2 ? field(STEER_FIELDS, key(1), item) : mismatch('a steer holds plain values only')
    case SESSION_ROOTS.RUNS:
      return depth === 2 ? field(RUN_FIELDS, key(1), item) : mismatch('a run holds plain values only')
    default:
      return undefined
  }
}

function field(
  fields: Readonly<Record<string, FieldKind>>,
  key: string | null,
  item: Y.Item,
): RuleViolation | undefined {
  if (key === null) return mismatch('an entry is a map: values need a key')
  const kind = fields[key] ?? 'plain'
  if (kind === 'list') return isType(item, Y.Array) ? undefined : mismatch(`${key} must be a list`)
  if (kind === 'text') return isType(item, Y.Text) ? undefined : mismatch(`${key} must be a Y.Text`)
  if (!isPlain(item)) return mismatch(`${key} must be a plain value`)
  const value = plainValue(item)
  if (kind === 'string') return typeof value === 'string' ? undefined : mismatch(`${key} must be a string`)
  if (kind === 'number')
    return typeof value === 'number' && Number.isFinite(value) ? undefined : mismatch(`${key} must be a number`)
  if (Array.isArray(kind))
    return kind.includes(value as string) ? undefined : mismatch(`${key} must be one of ${kind.join(', ')}`)
  return undefined
}

function isType(item: Y.Item, type: typeof Y.Map | typeof Y.Array | typeof Y.Text): boolean {
  return (
    item.content instanceof Y.ContentType &&
    item.content.type instanceof type &&
    !(item.content.type instanceof Y.XmlText)
  )
}

function isPlain(item: Y.Item): boolean {
  const content = item.content
  return content instanceof Y.ContentAny || content instanceof Y.ContentJSON
    ? content.getContent().length === 1
    : content instanceof Y.ContentString
}

function isTextContent(item: Y.Item): boolean {
  const content = item.content
  return (
    item.parentSub === null &&
    (content instanceof Y.ContentString || content instanceof Y.ContentFormat || content instanceof Y.ContentEmbed)
  )
}

function mismatch(message: string): RuleViolation {
  return { reason: 'SCHEMA_MISMATCH', message }
}
