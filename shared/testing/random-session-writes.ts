/**
 * Random writes into a session document, for fast-check properties of its readers: values of every kind (plain JSON,
 * binary, Y.Map, Y.Array, Y.Text, Y.XmlText, sub-documents) set, pushed, inserted and deleted anywhere in the tree
 * under the schema's own keys and enum values, and well-formed messages, steers and runs appended to their roots so
 * that some entries fit the schema and later writes break some of them.
 *
 *   fc.property(fc.array(sessionWriteArb), (writes) => { const doc = new Y.Doc(); writes.forEach((write) => applySessionWrite(doc, write)) })
 */
import fc from 'fast-check'
import * as Y from 'yjs'
import { getSessionRoots } from '../session/session-doc.ts'
import {
  MESSAGE_ROLES,
  MESSAGE_STATUSES,
  PART_TYPES,
  RUN_STATES,
  SESSION_ROOTS,
  STEER_KINDS,
} from '../session/session-schema.ts'
import { yMapOf } from './y-map-of.ts'

const KEYS = [
  'id',
  'role',
  'author',
  'createdAt',
  'status',
  'device',
  'replyTo',
  'runId',
  'parts',
  'type',
  'text',
  'toolCallId',
  'toolName',
  'input',
  'output',
  'inputError',
  'kind',
  'target',
  'handledBy',
  'handledAt',
  'agent',
  'messageId',
  'state',
  'startedAt',
  'heartbeatAt',
  'endedAt',
  'schema',
  'title',
  'epoch',
  'seq',
  'm1',
  'r1',
  'other',
] as const
const WORDS = [
  'm1',
  'r1',
  'alice',
  'INVALID_JSON',
  ...MESSAGE_ROLES,
  ...MESSAGE_STATUSES,
  ...PART_TYPES,
  ...RUN_STATES,
  ...STEER_KINDS,
]

/** A value to write, described as data so that each write builds fresh shared types. */
export type ValueSpec =
  | { readonly kind: 'plain'; readonly value: unknown }
  | { readonly kind: 'binary' | 'map' | 'array' | 'xml-text' | 'sub-doc' | 'message' | 'steer' | 'run' }
  | { readonly kind: 'text'; readonly text: string }

const valueArb: fc.Arbitrary<ValueSpec> = fc.oneof(
  fc.constantFrom<ValueSpec>({ kind: 'message' }, { kind: 'steer' }, { kind: 'run' }),
  fc.constantFrom(...WORDS).map((value): ValueSpec => ({ kind: 'plain', value })),
  fc
    .oneof(
      fc.string({ maxLength: 4 }),
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.jsonValue({ maxDepth: 2 }),
    )
    .map((value): ValueSpec => ({ kind: 'plain', value })),
  fc.constantFrom<ValueSpec>(
    { kind: 'binary' },
    { kind: 'map' },
    { kind: 'array' },
    { kind: 'xml-text' },
    { kind: 'sub-doc' },
  ),
  fc.string({ maxLength: 6 }).map((text): ValueSpec => ({ kind: 'text', text })),
)

/**
 * One write: into the `target`-th shared type of the document (roots first), at `at`, under `key`; `entry` appends a
 * well-formed entry to a root (a steer to `steering` and a run under `key` of `runs` when `value` is one, else a
 * message to `messages`).
 */
export interface SessionWrite {
  readonly op: 'set' | 'push' | 'insert' | 'delete' | 'entry'
  readonly target: number
  readonly at: number
  readonly key: (typeof KEYS)[number]
  readonly value: ValueSpec
}

/** One random write. */
export const sessionWriteArb: fc.Arbitrary<SessionWrite> = fc.record({
  op: fc.constantFrom('set', 'push', 'insert', 'delete', 'entry'),
  target: fc.oneof(fc.nat({ max: 5 }), fc.nat({ max: 40 })),
  at: fc.nat({ max: 8 }),
  key: fc.constantFrom(...KEYS),
  value: valueArb,
})

function build(spec: ValueSpec): unknown {
  switch (spec.kind) {
    case 'plain':
      return spec.value
    case 'binary':
      return new Uint8Array([1, 2, 3])
    case 'map':
      return new Y.Map()
    case 'array':
      return new Y.Array()
    case 'text':
      return new Y.Text(spec.text)
    case 'xml-text':
      return new Y.XmlText('x')
    case 'sub-doc':
      return new Y.Doc()
    case 'message': {
      const parts = new Y.Array<unknown>()
      parts.push([yMapOf({ type: 'text', text: new Y.Text('hi') })])
      return yMapOf({ id: 'm1', role: 'user', author: 'alice', status: 'done', createdAt: 1, parts })
    }
    case 'steer':
      return yMapOf({ id: 's1', kind: 'note', author: 'alice', createdAt: 1, text: 'psst' })
    case 'run':
      return yMapOf({ agent: 'bot', messageId: 'm1', state: 'running', startedAt: 1, heartbeatAt: 1 })
  }
}

/** The roots, then every shared type inside them, breadth first. */
function sharedTypes(doc: Y.Doc): unknown[] {
  const { meta, messages, steering, runs, context } = getSessionRoots(doc)
  const found: unknown[] = [meta, messages, steering, runs, context, doc.getMap(SESSION_ROOTS.HTTP_PRODUCERS)]
  for (let index = 0; index < found.length; index++) {
    const type = found[index]
    const children: unknown[] =
      type instanceof Y.Map ? [...type.values()] : type instanceof Y.Array ? type.toArray() : []
    for (const child of children) if (child instanceof Y.AbstractType) found.push(child)
  }
  return found
}

/** Applies `write` to `doc`. */
export function applySessionWrite(doc: Y.Doc, write: SessionWrite): void {
  if (write.op === 'entry') {
    const roots = getSessionRoots(doc)
    const kind = write.value.kind
    if (kind === 'run') (roots.runs as Y.Map<unknown>).set(write.key, build(write.value))
    else
      ((kind === 'steer' ? roots.steering : roots.messages) as Y.Array<unknown>).push([
        build(kind === 'steer' ? write.value : { kind: 'message' }),
      ])
    return
  }
  const types = sharedTypes(doc)
  const type = types[write.target % types.length]
  const value = build(write.value)
  if (type instanceof Y.Map) {
    if (write.op === 'delete') type.delete(write.key)
    else type.set(write.key, value)
  } else if (type instanceof Y.Array) {
    const at = Math.min(write.at, type.length)
    if (write.op === 'delete') type.delete(at, Math.min(1, type.length - at))
    else if (write.op === 'insert') type.insert(at, [value])
    else type.push([value])
  } else if (type instanceof Y.Text) {
    const at = Math.min(write.at, type.length)
    if (write.op === 'delete') type.delete(at, Math.min(2, type.length - at))
    else type.insert(at, typeof value === 'string' ? value : 'x')
  }
}
