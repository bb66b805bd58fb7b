/**
 * `npm run token -- --sub alice --role user --session s_abc --ttl 3600`: prints a session token signed with
 * LIFELINE_AUTH_SECRET, for curl, scripts and agents run by hand. Defaults: role user, session `*`, ttl 1 hour.
 */
import { parseArgs } from 'node:util'
import { ANY_SESSION, isPrincipalRole } from '../../shared/auth/token-claims.ts'
import { createTokenClaims, DEFAULT_TOKEN_TTL_SECONDS, signToken } from './sign-token.ts'

const { values } = parseArgs({
  options: {
    sub: { type: 'string' },
    role: { type: 'string', default: 'user' },
    session: { type: 'string', default: ANY_SESSION },
    ttl: { type: 'string', default: String(DEFAULT_TOKEN_TTL_SECONDS) },
  },
})
const secret = process.env.LIFELINE_AUTH_SECRET
const ttlSeconds = Number(values.ttl)
if (secret === undefined || secret === '' || values.sub === undefined || !isPrincipalRole(values.role) || !Number.isInteger(ttlSeconds) || ttlSeconds <= 0) {
  console.error('usage: LIFELINE_AUTH_SECRET=… npm run token -- --sub <principal> [--role agent|user|observer] [--session <id>|*] [--ttl <seconds>]')
  process.exit(2)
}
console.log(signToken(createTokenClaims({ sub: values.sub, role: values.role, session: values.session, ttlSeconds }), secret))
