/**
 * What "fits the schema" means for one entry of a session document (schema v1, session-schema.ts; PROTOCOL.md §1.3),
 * defined here once and used by every reader: the views in session-doc.ts, the agent SDK, the event projection and
 * the server's quarantine report (find-quarantined.ts). An entry that does not fit is **quarantined**: kept in the
 * document and the log, skipped by every view, reported. Checks never throw, whatever the value.
 *
 *   checkEntry('messages', messages.get(3))   // undefined, or { path: ['parts', 0, 'text'], reason: '…' }
 *
 * One check per root entry kind: a `messages` entry (with its parts), a `steering` entry, a `runs` value, a `meta`
 * value (per key), an `httpProducers` value and a `people` value. Required fields are those every writer sets when it creates the
 * entry; optional ones must have their type when present; keys the schema does not name may hold anything (readers
 * ignore them).
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
} from './session-schema.ts'
import { DISPLAY_NAME_RULE, isDisplayName } from './display-name.ts'

/** Roots whose entries are checked (`context` is free-form). */
export const CHECKED_ROOTS = [
  SESSION_ROOTS.META,
  SESSION_ROOTS.MESSAGES,
  SESSION_ROOTS.STEERING,
  SESSION_ROOTS.RUNS,
  SESSION_ROOTS.HTTP_PRODUCERS,
  SESSION_ROOTS.PEOPLE,
] as const
export type CheckedRoot = (typeof CHECKED_ROOTS)[number]

/** Why an entry does not fit: the keys and list indexes from the entry down to the value at fault (empty: the entry itself). */
export interface Misfit {
  readonly path: readonly (string | number)[]
  readonly reason: string
}

/** A check of one value; a misfit's path is relative to that value. */
type Check = (value: unknown) => Misfit | undefined

interface Field {
  readonly required: boolean
  readonly check: Check
}

/**
 * Checks one entry of `root`: a list element of `messages` or `steering`, or the value under `key` of a map root.
 * Returns undefined when it fits.
 */
export function checkEntry(root: CheckedRoot, value: unknown, key = ''): Misfit | undefined {
  switch (root) {
    case SESSION_ROOTS.MESSAGES:
      return checkMessage(value)
    case SESSION_ROOTS.STEERING:
      return checkSteer(value)
    case SESSION_ROOTS.RUNS:
      return checkRun(value)
    case SESSION_ROOTS.META:
      return checkMetaValue(key, value)
    case SESSION_ROOTS.HTTP_PRODUCERS:
      return checkHttpProducer(value)
    case SESSION_ROOTS.PEOPLE:
      return checkPerson(value)
  }
}

/** True when `value` is a `people` value that fits the schema. */
export function isPersonEntry(value: unknown): value is { name: string; setAt: number } {
  return checkPerson(value) === undefined
}

/** True when `value` is a `messages` entry that fits the schema. */
export function isMessageEntry(value: unknown): value is Y.Map<unknown> {
  return checkMessage(value) === undefined
}

/** True when `value` is a `steering` entry that fits the schema. */
export function isSteerEntry(value: unknown): value is Y.Map<unknown> {
  return checkSteer(value) === undefined
}

/** True when `value` is a `runs` value that fits the schema. */
export function isRunEntry(value: unknown): value is Y.Map<unknown> {
  return checkRun(value) === undefined
}

/** True when `value` is an `httpProducers` value that fits the schema. */
export function isHttpProducerEntry(value: unknown): value is { epoch: number; seq: number } {
  return checkHttpProducer(value) === undefined
}

const isString: Check = (value) => (typeof value === 'string' ? undefined : here('must be a string'))
const isFiniteNumber: Check = (value) =>
  typeof value === 'number' && Number.isFinite(value) ? undefined : here('must be a finite number')
const isCount: Check = (value) =>
  Number.isSafeInteger(value) && (value as number) >= 0 ? undefined : here('must be a non-negative integer')
/** A value stored as plain JSON: no shared type, sub-document or binary. */
const isPlain: Check = (value) =>
  value instanceof Y.AbstractType || value instanceof Y.Doc || value instanceof Uint8Array
    ? here('must be a plain JSON value')
    : undefined
/** A Y.Text holding text (an XML text renders its formatting as tags). */
const isText: Check = (value) =>
  value instanceof Y.Text && !(value instanceof Y.XmlText) ? undefined : here('must be a Y.Text')
const oneOf =
  (allowed: readonly string[]): Check =>
  (value) =>
    allowed.includes(value as string) ? undefined : here(`must be one of ${allowed.join(', ')}`)

const required = (check: Check): Field => ({ required: true, check })
const optional = (check: Check): Field => ({ required: false, check })

const TEXT_PART: Readonly<Record<string, Field>> = { text: optional(isText) }
const PART_FIELDS: Readonly<Record<string, Readonly<Record<string, Field>>>> = {
  text: TEXT_PART,
  reasoning: TEXT_PART,
  'tool-call': {
    toolCallId: required(isString),
    toolName: required(isString),
    input: optional(isPlain),
    inputError: optional(oneOf(TOOL_INPUT_ERRORS)),
  },
  'tool-result': { toolCallId: required(isString), output: optional(isPlain) },
}

const checkPart: Check = (value) => {
  if (!isMap(value)) return here('a part must be a Y.Map')
  const type = value.get('type')
  const typeMisfit = oneOf(PART_TYPES)(type)
  if (typeMisfit !== undefined) return at('type', typeMisfit)
  return checkFields(value, PART_FIELDS[type as string] ?? {})
}

const checkParts: Check = (value) => {
  if (!(value instanceof Y.Array)) return here('parts must be a Y.Array')
  const parts = value.toArray() as unknown[]
  for (let index = 0; index < parts.length; index++) {
    const misfit = checkPart(parts[index])
    if (misfit !== undefined) return at(index, misfit)
  }
  return undefined
}

const MESSAGE_FIELDS: Readonly<Record<string, Field>> = {
  id: required(isString),
  role: required(oneOf(MESSAGE_ROLES)),
  author: required(isString),
  createdAt: optional(isFiniteNumber),
  status: optional(oneOf(MESSAGE_STATUSES)),
  device: optional(isString),
  replyTo: optional(isString),
  runId: optional(isString),
  traceparent: optional(isString),
  parts: optional(checkParts),
}
const STEER_FIELDS: Readonly<Record<string, Field>> = {
  id: required(isString),
  kind: required(oneOf(STEER_KINDS)),
  author: required(isString),
  createdAt: optional(isFiniteNumber),
  device: optional(isString),
  target: optional(isString),
  text: optional(isString),
  handledBy: optional(isString),
  handledAt: optional(isFiniteNumber),
}
const RUN_FIELDS: Readonly<Record<string, Field>> = {
  agent: required(isString),
  messageId: optional(isString),
  state: optional(oneOf(RUN_STATES)),
  startedAt: optional(isFiniteNumber),
  heartbeatAt: optional(isFiniteNumber),
  endedAt: optional(isFiniteNumber),
}
const META_FIELDS: Readonly<Record<string, Check>> = {
  schema: isFiniteNumber,
  title: isString,
  createdAt: isFiniteNumber,
}

/** Checks a `messages` entry and its parts. */
function checkMessage(value: unknown): Misfit | undefined {
  return isMap(value) ? checkFields(value, MESSAGE_FIELDS) : here('a message must be a Y.Map')
}

/** Checks a `steering` entry. */
function checkSteer(value: unknown): Misfit | undefined {
  return isMap(value) ? checkFields(value, STEER_FIELDS) : here('a steer must be a Y.Map')
}

/** Checks a value of the `runs` map. */
function checkRun(value: unknown): Misfit | undefined {
  return isMap(value) ? checkFields(value, RUN_FIELDS) : here('a run must be a Y.Map')
}

/** Checks the value under `key` of `meta` (`schema`, `title`, `createdAt`; other keys hold anything). */
export function checkMetaValue(key: string, value: unknown): Misfit | undefined {
  return Object.hasOwn(META_FIELDS, key) ? META_FIELDS[key]?.(value) : undefined
}

/** Checks a value of `httpProducers`: a producer's last accepted `{ epoch, seq }` (PROTOCOL.md §9.7). */
function checkHttpProducer(value: unknown): Misfit | undefined {
  if (!isPlainObject(value)) {
    return here('a producer state must be a plain object')
  }
  const { epoch, seq } = value as Record<string, unknown>
  const misfit = isCount(epoch)
  if (misfit !== undefined) return at('epoch', misfit)
  const seqMisfit = isCount(seq)
  return seqMisfit === undefined ? undefined : at('seq', seqMisfit)
}

/** Checks a value of `people`: `{ name, setAt }`, the name a valid display name (display-name.ts). */
function checkPerson(value: unknown): Misfit | undefined {
  if (!isPlainObject(value)) return here('a person must be a plain object')
  const { name, setAt } = value as Record<string, unknown>
  if (typeof name !== 'string' || !isDisplayName(name)) return at('name', here(DISPLAY_NAME_RULE))
  const setAtMisfit = isFiniteNumber(setAt)
  return setAtMisfit === undefined ? undefined : at('setAt', setAtMisfit)
}

function isPlainObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && isPlain(value) === undefined
}

function checkFields(map: Y.Map<unknown>, fields: Readonly<Record<string, Field>>): Misfit | undefined {
  for (const [key, field] of Object.entries(fields)) {
    const value = map.get(key)
    if (value === undefined) {
      if (field.required) return at(key, here(`${key} is required`))
      continue
    }
    const misfit = field.check(value)
    if (misfit !== undefined) return at(key, misfit)
  }
  return undefined
}

function isMap(value: unknown): value is Y.Map<unknown> {
  return value instanceof Y.Map
}

function here(reason: string): Misfit {
  return { path: [], reason }
}

/** `misfit` one level down, under `step`; a value's reason gains its key when it has none yet. */
function at(step: string | number, misfit: Misfit): Misfit {
  const reason =
    misfit.path.length === 0 && typeof step === 'string' && !misfit.reason.startsWith(step)
      ? `${step} ${misfit.reason}`
      : misfit.reason
  return { path: [step, ...misfit.path], reason }
}
