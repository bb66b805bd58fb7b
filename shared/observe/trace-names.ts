/**
 * The names of Lifeline's OpenTelemetry traces, written once: the tracer, the spans, their events and attributes
 * (docs/operations.md § Traces, PROTOCOL.md §12). The server and the agent SDK create spans through
 * `@opentelemetry/api` only, so without a registered tracer provider every span is the API's no-op one.
 */

/** Name of the tracer both the server and the agent SDK get from `trace.getTracer` by default. */
export const TRACER_NAME = 'lifeline'

/** Span names. */
export const SPAN_NAMES = {
  /** One agent reply, from its start to its end (agent SDK). */
  REPLY: 'lifeline.reply',
  /** One client connection (a WebSocket or an HTTP fallback connection), from accept to close (server). */
  CONNECTION: 'lifeline.connection',
  /** One `UpdateLog.append` call: the persist of persist-before-ack (server). */
  PERSIST: 'lifeline.persist',
  /** One HTTP append to a session stream (server, PROTOCOL.md §9.7). */
  HTTP_APPEND: 'lifeline.http.append',
} as const

/** Span event names. */
export const SPAN_EVENTS = {
  /** On `lifeline.reply`: the first token or part was handed to the writer. */
  FIRST_TOKEN: 'lifeline.reply.first_token',
  /** On `lifeline.reply`: a steer for this reply was taken (attributes steer id and kind). */
  STEER_RECEIVED: 'lifeline.reply.steer_received',
  /** On `lifeline.reply`: it ended `done`. */
  DONE: 'lifeline.reply.done',
  /** On `lifeline.reply`: it ended `stopped`. */
  STOPPED: 'lifeline.reply.stopped',
  /** On `lifeline.reply`: it ended `failed`. */
  FAILED: 'lifeline.reply.failed',
  /** On `lifeline.reply`: the writer was given up without an end (agent closed, client closed or failed for good). */
  ABANDONED: 'lifeline.reply.abandoned',
  /** On `lifeline.connection`: the connection joined a session after its token was accepted (or without auth). */
  AUTHENTICATED: 'lifeline.connection.authenticated',
  /** On `lifeline.connection`: its token was refused (attribute the error code); the close follows. */
  REFUSED: 'lifeline.connection.refused',
} as const

/** Attribute names. */
export const TRACE_ATTRIBUTES = {
  SESSION_ID: 'lifeline.session.id',
  MESSAGE_ID: 'lifeline.message.id',
  RUN_ID: 'lifeline.run.id',
  AGENT_ID: 'lifeline.agent.id',
  /** How the reply ended: `done`, `stopped`, `failed`, or `abandoned` (given up without an end). */
  REPLY_END: 'lifeline.reply.end',
  STEER_ID: 'lifeline.steer.id',
  STEER_KIND: 'lifeline.steer.kind',
  PRINCIPAL_ID: 'lifeline.principal.id',
  /** `agent`, `user` or `observer`; absent on a server without auth. */
  ROLE: 'lifeline.principal.role',
  /** `websocket` or `http-fallback`. */
  TRANSPORT: 'lifeline.transport',
  CLOSE_CODE: 'lifeline.close.code',
  CLOSE_REASON: 'lifeline.close.reason',
  /** The error code of a refusal (shared/errors/error-codes.ts). */
  ERROR_CODE: 'lifeline.error.code',
  /** `sqlite`, `postgres`, `memory`, or `custom` for a store of your own. */
  STORE: 'lifeline.store',
  UPDATES: 'lifeline.updates',
  BYTES: 'lifeline.bytes',
  /** Who wrote the appended update: the connection's principal, or `server` for the server's own changes. */
  WRITER: 'lifeline.writer',
} as const
