/**
 * Public "./protocol" entry: the contract shared by server and clients (schema, routes, errors).
 */
export { ERROR_CODES, isErrorCode } from './errors/error-codes.ts'
export type { ErrorCode, ErrorCodeInfo } from './errors/error-codes.ts'
export { SessionError, isSessionError, toWireError, fromWireError } from './errors/session-error.ts'
export type { WireError } from './errors/session-error.ts'
export { DEFAULT_SESSION_LIMITS } from './limits/session-limits.ts'
export type { SessionLimits, WriteLimits } from './limits/session-limits.ts'
export {
  DEFAULT_PRESENCE_TIMEOUT_MS,
  DEFAULT_PRESENCE_HEARTBEAT_MS,
  DEFAULT_USER_LEFT_GRACE_MS,
} from './presence/presence-timing.ts'
export { ROUTES, sessionPath, MAX_JSON_BODY_BYTES } from './protocol/routes.ts'
export {
  SESSION_LIMITS_ANNOUNCEMENT_TYPE,
  encodeSessionLimitsAnnouncement,
  decodeSessionLimitsAnnouncement,
} from './protocol/session-limits-announcement.ts'
export { MESSAGE_TYPE, SYNC_MESSAGE_TYPE } from './protocol/message-type.ts'
export { CLOSE_NOTICE_TYPE, encodeCloseNotice, decodeCloseNotice } from './protocol/close-notice.ts'
export type { CloseNotice } from './protocol/close-notice.ts'
export {
  UPDATE_REJECTED_NOTICE_TYPE,
  MAX_REFUSED_UPDATES_PER_CONNECTION,
  LIMIT_REFUSAL_REASONS,
  CAPABILITY_REFUSAL_REASONS,
  encodeUpdateRejectedNotice,
  decodeUpdateRejectedNotice,
} from './protocol/update-rejected-notice.ts'
export type { RefusalCode, UpdateRejectedNotice } from './protocol/update-rejected-notice.ts'
export { BAD_FRAME_REASONS, BAD_FRAME_BUDGET } from './protocol/bad-frame-reasons.ts'
export type { BadFrameReason } from './protocol/bad-frame-reasons.ts'
export {
  STREAM_ROUTE_PREFIX,
  STREAM_HEADERS,
  STREAM_QUERY,
  OFFSET_START,
  OFFSET_NOW,
} from './protocol/durable-streams.ts'
export { SESSION_STREAM_NAMESPACE, sessionStreamPath } from './protocol/session-stream-path.ts'
export { POLICY_DECISION_EVENT } from './protocol/session-events.ts'
export type {
  SessionEvent,
  SessionEventMember,
  FinalMessageStatus,
  PolicyDecisionEvent,
} from './protocol/session-events.ts'
export { POLICY_REFUSAL_CAUSES } from './policy/message-policy.ts'
export type { PolicyRefusalCause } from './policy/message-policy.ts'
export { orderFromEvents } from './protocol/order-from-events.ts'
export { TRACER_NAME, SPAN_NAMES, SPAN_EVENTS, TRACE_ATTRIBUTES } from './observe/trace-names.ts'
export { TRACEPARENT, formatTraceParent, parseTraceParent } from './observe/trace-parent.ts'
export {
  PRINCIPAL_ROLES,
  ANY_SESSION,
  TOKEN_ALGORITHM,
  MAX_TOKEN_CHARS,
  MAX_PRINCIPAL_ID_CHARS,
  isPrincipalRole,
  scopeAllows,
  parseTokenClaims,
  decodeTokenClaims,
} from './auth/token-claims.ts'
export type { PrincipalRole, TokenClaims } from './auth/token-claims.ts'
export { ON_DEVICE_AGENT_SUFFIX, onDeviceAgentId } from './auth/on-device-agent-id.ts'
export {
  UPDATE_REJECTION_REASONS,
  MAX_CLIENT_IDS_PER_CONNECTION,
  MAX_AWARENESS_STATE_CHARS,
  MAX_DEVICE_LABEL_CHARS,
  isUpdateRejectionReason,
} from './auth/update-rejection.ts'
export type { UpdateRejectionReason } from './auth/update-rejection.ts'
export {
  SESSION_SCHEMA_VERSION,
  SESSION_ROOTS,
  MAX_DISPLAY_NAME_CHARS,
  MAX_TEXT_PART_CHARS,
  MESSAGE_ROLES,
  MESSAGE_STATUSES,
  RUN_STATES,
  PART_TYPES,
  STEER_KINDS,
  TOOL_INPUT_ERRORS,
} from './session/session-schema.ts'
export type {
  MessageRole,
  MessageStatus,
  RunState,
  PartType,
  PartView,
  MessageView,
  RunView,
  TranscriptView,
  SteerKind,
  SteerView,
  ToolInputError,
  PersonView,
} from './session/session-schema.ts'
export { isDisplayName, normalizeDisplayName, personInitials } from './session/display-name.ts'
export { readPeople, readPerson, setPersonName } from './session/session-people.ts'
export {
  getSessionRoots,
  initializeSession,
  appendMessage,
  appendText,
  appendToolCall,
  appendToolResult,
  setMessageStatus,
  findMessage,
  startRun,
  endRun,
  appendSteer,
  markSteerHandled,
  readSteer,
  readSteering,
  readMessage,
  readMessages,
  readRuns,
  readTranscript,
  listMessages,
  listRuns,
} from './session/session-doc.ts'
export { orderMessages } from './session/order-messages.ts'
export type { OrderedEntry } from './session/order-messages.ts'
export { checkEntry, CHECKED_ROOTS } from './session/check-entry.ts'
export type { CheckedRoot, Misfit } from './session/check-entry.ts'
export { findQuarantined } from './session/find-quarantined.ts'
export type { QuarantinedEntry } from './session/find-quarantined.ts'
export type { NewMessage, NewRun, NewSteer, NewToolCall, NewToolResult } from './session/session-doc.ts'
export {
  SESSION_ID_PATTERN,
  isSessionId,
  parseSessionId,
  createSessionId,
  createRandomId,
} from './session/session-id.ts'
