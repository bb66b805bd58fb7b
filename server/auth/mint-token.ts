/**
 * `npm run token -- --sub alice --role user --session s_abc --ttl 3600 [--name "Alice Liddell"] [--admin]
 * [--on-device-agent]`: prints a session token signed with LIFELINE_AUTH_SECRET, for curl, scripts and agents run by
 * hand. Defaults: role user, session `*`, ttl 1 hour, not an admin, no on-device agent.
 */
import { parseArgs } from 'node:util'
import { ON_DEVICE_AGENT_SUFFIX } from '../../shared/auth/on-device-agent-id.ts'
import { ANY_SESSION, PRINCIPAL_ROLES } from '../../shared/auth/token-claims.ts'
import { DISPLAY_NAME_RULE, normalizeDisplayName } from '../../shared/session/display-name.ts'
import { CliUsageError, integerOption, oneOf, runCli } from '../cli/run-cli.ts'
import { MIN_AUTH_SECRET_BYTES } from './auth-secret.ts'
import { createTokenClaims, DEFAULT_TOKEN_TTL_SECONDS, signToken } from './sign-token.ts'

const USAGE = `LIFELINE_AUTH_SECRET=… npm run token -- --sub <principal> [options]
  --sub <principal>                  the token's principal id (required)
  --role <agent | user | observer>   default user
  --session <id | *>                 the session it is for; * for any (default)
  --ttl <seconds>                    lifetime (default ${DEFAULT_TOKEN_TTL_SECONDS})
  --name <display name>              the name others see until the person sets one (${DISPLAY_NAME_RULE})
  --admin                            claim admin: true (may delete any session the token opens)
  --on-device-agent                  claim onDeviceAgent: true (user only: may reply as <sub>/on-device)`

const options = runCli(USAGE, (args) => {
  const { values } = parseArgs({
    args,
    options: {
      sub: { type: 'string' },
      role: { type: 'string', default: 'user' },
      session: { type: 'string', default: ANY_SESSION },
      ttl: { type: 'string', default: String(DEFAULT_TOKEN_TTL_SECONDS) },
      admin: { type: 'boolean', default: false },
      'on-device-agent': { type: 'boolean', default: false },
      name: { type: 'string' },
    },
  })
  const secret = process.env.LIFELINE_AUTH_SECRET
  if (secret === undefined || secret === '') throw new CliUsageError('LIFELINE_AUTH_SECRET is not set')
  const bytes = Buffer.byteLength(secret)
  if (bytes < MIN_AUTH_SECRET_BYTES)
    throw new CliUsageError(
      `LIFELINE_AUTH_SECRET has ${bytes} bytes; the server refuses fewer than ${MIN_AUTH_SECRET_BYTES}`,
    )
  if (values.sub === undefined || values.sub === '') throw new CliUsageError('--sub is required')
  const role = oneOf('role', values.role, PRINCIPAL_ROLES)
  if (values['on-device-agent'] && role !== 'user') throw new CliUsageError('--on-device-agent needs --role user')
  if (values.sub.endsWith(ON_DEVICE_AGENT_SUFFIX))
    throw new CliUsageError(`--sub may not end with ${ON_DEVICE_AGENT_SUFFIX}: that names on-device agents`)
  const name = values.name === undefined ? undefined : normalizeDisplayName(values.name)
  if (values.name !== undefined && name === undefined) throw new CliUsageError(`--name ${DISPLAY_NAME_RULE}`)
  return {
    secret,
    sub: values.sub,
    role,
    session: values.session,
    ttlSeconds: integerOption('ttl', values.ttl),
    admin: values.admin,
    onDeviceAgent: values['on-device-agent'],
    ...(name === undefined ? {} : { name }),
  }
})
const { secret, ...claims } = options
console.log(signToken(createTokenClaims(claims), secret))
