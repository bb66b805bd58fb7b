/**
 * Tokens for tests against a server started with `auth: { secret: TEST_AUTH_SECRET }`.
 */
import type { PrincipalRole } from '../../shared/auth/token-claims.ts'
import type { TranscriptView } from '../../shared/session/session-schema.ts'
import { createTokenClaims, signToken } from '../../server/auth/sign-token.ts'

/** The HMAC secret of test servers with auth on (32+ bytes). */
export const TEST_AUTH_SECRET = 'lifeline-test-secret-0123456789abcdef'

/** Server options that turn auth on with the test secret. */
export const AUTH_ON = { auth: { secret: TEST_AUTH_SECRET } } as const

/**
 * A valid token for `sub` as `role` on `session` (a session id or `*`), signed with TEST_AUTH_SECRET; `admin` adds
 * `admin: true`, `onDeviceAgent` adds `onDeviceAgent: true`.
 */
export function tokenFor(
  sub: string,
  role: PrincipalRole,
  session: string,
  options: { ttlSeconds?: number; secret?: string; admin?: boolean; name?: string; onDeviceAgent?: boolean } = {},
): string {
  const { secret, ...init } = options
  return signToken(createTokenClaims({ sub, role, session, ...init }), secret ?? TEST_AUTH_SECRET)
}

/** Body of GET /v1/sessions/:id: a transcript, or an error. */
export type TranscriptBody = Partial<TranscriptView> & { readonly error?: { readonly code: string } }

/** GET /v1/sessions/:id with a bearer token; resolves status and JSON body. */
export async function fetchTranscript(
  baseUrl: string,
  sessionId: string,
  token: string | undefined,
): Promise<{ status: number; body: TranscriptBody }> {
  const response = await fetch(`${baseUrl}/v1/sessions/${encodeURIComponent(sessionId)}`, {
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  })
  return { status: response.status, body: (await response.json()) as TranscriptBody }
}
