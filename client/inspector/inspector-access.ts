/**
 * checkInspectorAccess: whether the inspector page may open sessions with a token. The inspector is for
 * operators and is read-only, so it accepts only observer tokens: a user's or an agent's token is refused in the
 * page with an explanation, before it connects. (The server enforces the rest: it verifies the token, and an
 * observer connection cannot write, PROTOCOL.md §8.2.) No token is fine for a server without auth; one that
 * requires tokens then refuses the session list, and the page says so.
 */
import { ANY_SESSION, decodeTokenClaims } from '../../shared/auth/token-claims.ts'

/** The verdict: who the page connects as and which sessions the token opens, or why it may not. */
export type InspectorAccess =
  | { readonly ok: true; readonly principalId: string; readonly scope: string; readonly token?: string }
  | { readonly ok: false; readonly reason: 'not-a-token' | 'not-an-observer' | 'expired'; readonly message: string }

/** Principal id shown in presence when the page connects without a token. */
const ANONYMOUS_INSPECTOR = 'inspector'

const MINT_HINT = "mint one with `npm run token -- --sub <you> --role observer --session '*'`"

/** Decides from the token's claims, read unverified (the server verifies them when the page connects). */
export function checkInspectorAccess(token: string | undefined, nowMs: number): InspectorAccess {
  if (token === undefined || token === '') return { ok: true, principalId: ANONYMOUS_INSPECTOR, scope: ANY_SESSION }
  const claims = decodeTokenClaims(token)
  if (claims === undefined)
    return { ok: false, reason: 'not-a-token', message: `This is not a Lifeline token; ${MINT_HINT}.` }
  if (claims.role !== 'observer') {
    return {
      ok: false,
      reason: 'not-an-observer',
      message: `The inspector accepts observer tokens only, and this is a ${claims.role} token (${claims.sub}). It is read-only by design; ${MINT_HINT}.`,
    }
  }
  if (claims.exp * 1000 <= nowMs)
    return { ok: false, reason: 'expired', message: `This observer token has expired; ${MINT_HINT}.` }
  return { ok: true, principalId: claims.sub, scope: claims.session, token }
}
