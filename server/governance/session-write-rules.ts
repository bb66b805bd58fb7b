/**
 * What each role may write and delete in a session document (PROTOCOL.md §8.3–8.4), decided per struct from its
 * location (struct-locator.ts) and the facts of the entry it belongs to:
 * - user: new `messages` entries with role `user` and author = itself, and their content; new `steering` entries
 *   with author = itself; edits inside its own messages except their identity keys.
 * - agent: new `messages` entries with role `assistant` or `tool` and author = itself, and everything inside its
 *   own messages except identity keys; new `runs` entries with agent = itself and edits inside them (not
 *   `agent`); `handledBy` (= itself) and `handledAt` of steering entries; anything in `context`.
 * - user with the `onDeviceAgent` claim: also what an agent may write in `messages` and `runs`, as its on-device agent
 *   `<id>/on-device` (shared/auth/on-device-agent-id.ts). A user without the claim that creates an `assistant` or
 *   `tool` message or a run is refused with AGENT_REPLY_FORBIDDEN (PROTOCOL.md §8.1, §8.4).
 * - user and agent: its own entry of `people` (keyed by its principal id), set and replaced.
 * - observer: nothing (checked before these rules).
 * Whoever writes: entries of `messages`, `steering` and `runs` are maps, never deleted or replaced, and array
 * entries are only appended; identity keys are set once; a steer changes only by its handled mark; `meta` and
 * unknown roots are server-only. On an open server (no auth) there is no principal: these append-only and
 * set-once rules hold, and the identity and role rules are off (any author, role or agent name).
 */
import * as Y from 'yjs'
import type { PrincipalRole } from '../../shared/auth/token-claims.ts'
import type { UpdateRejectionReason } from '../../shared/auth/update-rejection.ts'
import { onDeviceAgentId } from '../../shared/auth/on-device-agent-id.ts'
import { SESSION_ROOTS, STEER_KINDS, type MessageRole } from '../../shared/session/session-schema.ts'
import type { ItemRef, Location } from './struct-locator.ts'

/** The located struct of a rule check. */
export type PlacedLocation = Extract<Location, { kind: 'placed' }>

/** What the rules need to know about an entry (a direct child of a root). */
export interface EntryFacts {
  /** True when the entry is created by the update under inspection. */
  readonly isNew: boolean
  /** The entry's current (or, when new, written) value under `key`; undefined when absent or not a plain value. */
  value(key: string): unknown
  /** How many items the update writes under `key` of this entry. */
  writes(key: string): number
}

/** The writer whose update the rules check: its principal id and role. */
export interface RuleWriter {
  readonly id: string
  readonly role: PrincipalRole
  /** True when its token grants the `onDeviceAgent` claim (user tokens only). */
  readonly onDeviceAgent?: boolean
}

/** The writer and the lookups a rule check runs with. */
export interface RuleContext {
  /** The sender; undefined on an open server, where identity and role rules are off. */
  readonly writer: RuleWriter | undefined
  entryFacts(ref: ItemRef): EntryFacts
  /** True when the session's `runs` map already holds a live entry under `key`. */
  runExists(key: string): boolean
}

/** A broken rule. */
export interface RuleViolation {
  readonly reason: UpdateRejectionReason
  readonly message: string
  /** Set when the write needs a capability the token lacks: refused with this code instead of UPDATE_REJECTED. */
  readonly code?: 'AGENT_REPLY_FORBIDDEN'
}

/** Message roles each principal role may create. */
const CREATABLE_MESSAGE_ROLES: Readonly<Record<PrincipalRole, readonly MessageRole[]>> = {
  user: ['user'],
  agent: ['assistant', 'tool'],
  observer: [],
}

/** Message roles an agent writes: a user writes them only as its on-device agent. */
const AGENT_MESSAGE_ROLES: readonly MessageRole[] = CREATABLE_MESSAGE_ROLES.agent

/** Keys of a message that are set once, when it is created. */
const MESSAGE_IDENTITY_KEYS: readonly string[] = ['id', 'role', 'author']
/** Keys of a steering entry an agent sets when it acts on it. */
export const STEER_HANDLED_KEYS: readonly string[] = ['handledBy', 'handledAt']
/** Keys of a run that are set once, when it is created. */
const RUN_IDENTITY_KEYS: readonly string[] = ['agent']

/** Checks one inserted item of the update; undefined when the writer may write it there. */
export function checkInsert(context: RuleContext, location: PlacedLocation, item: Y.Item): RuleViolation | undefined {
  const { path } = location
  const { writer } = context
  const entry = path[0] as PlacedLocation['path'][number]
  const isEntry = path.length === 1
  const fieldKey = path.length >= 2 ? (path[1] as PlacedLocation['path'][number]).key : null
  switch (location.root) {
    case SESSION_ROOTS.MESSAGES: {
      if (isEntry) return checkNewListEntry(item, entry.key) ?? checkNewMessage(context, context.entryFacts(entry.ref))
      const facts = context.entryFacts(entry.ref)
      if (!ownsMessage(writer, facts))
        return violation('FORBIDDEN_PARENT', 'only the author may write inside a message')
      if (!facts.isNew && path.length === 2 && MESSAGE_IDENTITY_KEYS.includes(fieldKey ?? '')) {
        return violation('FORBIDDEN_PARENT', `a message's ${String(fieldKey)} cannot change`)
      }
      return undefined
    }
    case SESSION_ROOTS.STEERING: {
      if (isEntry) return checkNewListEntry(item, entry.key) ?? checkNewSteer(context, context.entryFacts(entry.ref))
      const facts = context.entryFacts(entry.ref)
      if (facts.isNew)
        return writer === undefined || facts.value('author') === writer.id
          ? undefined
          : violation('FORBIDDEN_PARENT', 'only the author may write a steer')
      if (
        (writer !== undefined && writer.role !== 'agent') ||
        path.length !== 2 ||
        !STEER_HANDLED_KEYS.includes(fieldKey ?? '')
      ) {
        return violation('FORBIDDEN_PARENT', 'a steer changes only by being marked handled, by an agent')
      }
      if (writer !== undefined && fieldKey === 'handledBy' && plainValue(item) !== writer.id) {
        return violation('FORBIDDEN_PARENT', 'handledBy must name the agent itself')
      }
      return undefined
    }
    case SESSION_ROOTS.RUNS: {
      if (isEntry) return checkRunWriter(writer) ?? checkNewRun(context, item, entry.key)
      const facts = context.entryFacts(entry.ref)
      if (writer !== undefined && facts.value('agent') !== runAgentOf(writer))
        return violation('FORBIDDEN_PARENT', 'only its agent may write a run')
      if (!facts.isNew && path.length === 2 && RUN_IDENTITY_KEYS.includes(fieldKey ?? '')) {
        return violation('FORBIDDEN_PARENT', "a run's agent cannot change")
      }
      return undefined
    }
    case SESSION_ROOTS.CONTEXT:
      return writer === undefined || writer.role === 'agent'
        ? undefined
        : violation('FORBIDDEN_PARENT', 'only agents write the context')
    case SESSION_ROOTS.PEOPLE:
      if (!isEntry || entry.key === null)
        return violation('SCHEMA_MISMATCH', 'people holds one plain value per principal')
      return ownsPerson(writer, entry.key)
        ? undefined
        : violation('FORBIDDEN_PARENT', "a principal may set only its own name, not another person's")
    default:
      return violation('FORBIDDEN_PARENT', `root ${JSON.stringify(location.root)} is not writable by clients`)
  }
}

/** Checks deleting one live item of the document; undefined when the writer may delete it. */
export function checkDelete(context: RuleContext, location: PlacedLocation): RuleViolation | undefined {
  const { path } = location
  const { writer } = context
  const entry = path[0] as PlacedLocation['path'][number]
  const fieldKey = path.length >= 2 ? (path[1] as PlacedLocation['path'][number]).key : null
  const isField = path.length === 2
  if (location.root === SESSION_ROOTS.CONTEXT) {
    return writer === undefined || writer.role === 'agent'
      ? undefined
      : violation('FORBIDDEN_DELETE', 'only agents change the context')
  }
  if (location.root === SESSION_ROOTS.PEOPLE) {
    return ownsPerson(writer, entry.key)
      ? undefined
      : violation('FORBIDDEN_DELETE', "a principal may replace only its own name, not another person's")
  }
  if (path.length === 1 || !isListRoot(location.root)) {
    return violation('FORBIDDEN_DELETE', `entries of ${location.root} are never deleted or replaced`)
  }
  const facts = context.entryFacts(entry.ref)
  switch (location.root) {
    case SESSION_ROOTS.MESSAGES:
      if (!ownsMessage(writer, facts))
        return violation('FORBIDDEN_DELETE', 'only the author may delete inside a message')
      return isField && MESSAGE_IDENTITY_KEYS.includes(fieldKey ?? '')
        ? violation('FORBIDDEN_DELETE', `a message's ${String(fieldKey)} cannot change`)
        : undefined
    case SESSION_ROOTS.STEERING:
      return (writer === undefined || (writer.role === 'agent' && facts.value('handledBy') === writer.id)) &&
        isField &&
        STEER_HANDLED_KEYS.includes(fieldKey ?? '')
        ? undefined
        : violation('FORBIDDEN_DELETE', 'steers are never changed, except an agent replacing its own handled mark')
    default:
      return (writer === undefined ||
        (runAgentOf(writer) !== undefined && facts.value('agent') === runAgentOf(writer))) &&
        !(isField && RUN_IDENTITY_KEYS.includes(fieldKey ?? ''))
        ? undefined
        : violation('FORBIDDEN_DELETE', 'only its agent may change a run, and never its agent')
  }
}

/** The plain value an item holds (a map value such as a string or number), or undefined. */
export function plainValue(item: Y.Item): unknown {
  const content = item.content
  if (content instanceof Y.ContentAny || content instanceof Y.ContentJSON) {
    const values = content.getContent()
    return values.length === 1 ? values[0] : undefined
  }
  if (content instanceof Y.ContentString) return content.str
  return undefined
}

/** True when `item` creates a Y.Map (the shape of every messages, steering and runs entry). */
function createsMap(item: Y.Item): boolean {
  return item.content instanceof Y.ContentType && item.content.type instanceof Y.Map
}

function isListRoot(root: string): boolean {
  return root === SESSION_ROOTS.MESSAGES || root === SESSION_ROOTS.STEERING || root === SESSION_ROOTS.RUNS
}

/**
 * True when `writer` may write inside the message: its author in a role that creates such messages, or its on-device
 * agent's reply when the token grants that (open: anyone).
 */
function ownsMessage(writer: RuleWriter | undefined, facts: EntryFacts): boolean {
  if (writer === undefined) return true
  const role = facts.value('role')
  const author = facts.value('author')
  if (typeof role !== 'string') return false
  if (author === writer.id && (CREATABLE_MESSAGE_ROLES[writer.role] as readonly string[]).includes(role)) return true
  return (
    writer.onDeviceAgent === true &&
    author === onDeviceAgentId(writer.id) &&
    (AGENT_MESSAGE_ROLES as readonly string[]).includes(role)
  )
}

/** The `agent` of the runs `writer` may write: an agent itself, a user's on-device agent when granted, else none. */
function runAgentOf(writer: RuleWriter): string | undefined {
  if (writer.role === 'agent') return writer.id
  return writer.role === 'user' && writer.onDeviceAgent === true ? onDeviceAgentId(writer.id) : undefined
}

/** Refuses a writer that may not write runs: a user without the `onDeviceAgent` claim gets AGENT_REPLY_FORBIDDEN. */
function checkRunWriter(writer: RuleWriter | undefined): RuleViolation | undefined {
  if (writer === undefined || runAgentOf(writer) !== undefined) return undefined
  return writer.role === 'user'
    ? replyForbidden('a user token without the onDeviceAgent claim may not write runs')
    : violation('FORBIDDEN_PARENT', 'only agents write runs')
}

/** True when `writer` may write the `people` entry under `key`: its own (open server: anyone's). */
function ownsPerson(writer: RuleWriter | undefined, key: string | null): boolean {
  return writer === undefined || key === writer.id
}

/** A new messages/steering entry: a map appended at the end of the list as its writer saw it. */
function checkNewListEntry(item: Y.Item, key: string | null): RuleViolation | undefined {
  if (key !== null || !createsMap(item)) return violation('SCHEMA_MISMATCH', 'entries of a list must be maps')
  if (item.rightOrigin !== null)
    return violation('FORBIDDEN_PARENT', 'entries can only be appended, not inserted before others')
  return undefined
}

function checkNewMessage(context: RuleContext, facts: EntryFacts): RuleViolation | undefined {
  if (!MESSAGE_IDENTITY_KEYS.every((key) => facts.writes(key) === 1) || typeof facts.value('id') !== 'string') {
    return violation('FORBIDDEN_PARENT', 'a new message needs exactly one id, role and author')
  }
  const { writer } = context
  const role = facts.value('role')
  if (
    writer?.role === 'user' &&
    writer.onDeviceAgent !== true &&
    (AGENT_MESSAGE_ROLES as readonly unknown[]).includes(role)
  ) {
    return replyForbidden(`a user token without the onDeviceAgent claim may not write ${String(role)} messages`)
  }
  return ownsMessage(context.writer, facts)
    ? undefined
    : violation('FORBIDDEN_PARENT', `a ${String(context.writer?.role)} may only create its own messages`)
}

function checkNewSteer(context: RuleContext, facts: EntryFacts): RuleViolation | undefined {
  const { writer } = context
  if (writer !== undefined && writer.role !== 'user') return violation('FORBIDDEN_PARENT', 'only users post steers')
  if (!['id', 'kind', 'author'].every((key) => facts.writes(key) === 1) || typeof facts.value('id') !== 'string') {
    return violation('FORBIDDEN_PARENT', 'a new steer needs exactly one id, kind and author')
  }
  if (writer !== undefined && facts.value('author') !== writer.id)
    return violation('FORBIDDEN_PARENT', 'a steer must be authored by its sender')
  if (!(STEER_KINDS as readonly unknown[]).includes(facts.value('kind')))
    return violation('SCHEMA_MISMATCH', 'unknown steer kind')
  if (writer !== undefined && STEER_HANDLED_KEYS.some((key) => facts.writes(key) > 0))
    return violation('FORBIDDEN_PARENT', 'a new steer cannot be marked handled')
  return undefined
}

function checkNewRun(context: RuleContext, item: Y.Item, key: string | null): RuleViolation | undefined {
  if (key === null || !createsMap(item)) return violation('SCHEMA_MISMATCH', 'runs holds one map per run id')
  // A map value to the right of an existing one replaces (deletes) it: a run is never replaced.
  if (item.origin !== null || context.runExists(key)) return violation('FORBIDDEN_DELETE', `run ${key} already exists`)
  const facts = context.entryFacts({ item, inDoc: false })
  const { writer } = context
  if (facts.writes('agent') !== 1 || (writer !== undefined && facts.value('agent') !== runAgentOf(writer))) {
    return violation('FORBIDDEN_PARENT', 'a new run must name the agent itself, once')
  }
  return undefined
}

function violation(reason: UpdateRejectionReason, message: string): RuleViolation {
  return { reason, message }
}

function replyForbidden(message: string): RuleViolation {
  return { reason: 'FORBIDDEN_PARENT', message, code: 'AGENT_REPLY_FORBIDDEN' }
}
