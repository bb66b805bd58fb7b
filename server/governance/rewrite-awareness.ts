/**
 * Identity in awareness comes from the token, not from the client (PROTOCOL.md §8.5). The `member` field of a
 * state — what presence lists show — is rebuilt by the server: `principalId` and `role` from the connection's
 * principal, `device` kept as a short label. Users and agents keep their other fields; an observer's state is
 * reduced to `member` alone, so observers are visible but cannot say anything through awareness.
 */
import { MAX_AWARENESS_STATE_CHARS, MAX_DEVICE_LABEL_CHARS } from '../../shared/auth/update-rejection.ts'
import type { ConnectionPrincipal } from '../auth/connection-principal.ts'

/** The state to publish instead of `state`, or undefined when it is too large to accept. */
export function rewriteAwarenessState(
  state: Record<string, unknown>,
  principal: Pick<ConnectionPrincipal, 'id' | 'role'>,
): Record<string, unknown> | undefined {
  if (JSON.stringify(state).length > MAX_AWARENESS_STATE_CHARS) return undefined
  const claimed = state.member
  const device = typeof claimed === 'object' && claimed !== null ? (claimed as { device?: unknown }).device : undefined
  const member = {
    principalId: principal.id,
    role: principal.role,
    ...(typeof device === 'string' ? { device: device.slice(0, MAX_DEVICE_LABEL_CHARS) } : {}),
  }
  return principal.role === 'observer' ? { member } : { ...state, member }
}
