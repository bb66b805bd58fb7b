/**
 * ClientIdClaims in Redis: one key per session and clientID, `<prefix>:claim:<session>:<clientID>` = principal
 * id, set only if absent (one atomic script, so two nodes claiming at once cannot both win). The key expires after
 * `ttlSeconds` of no new claim from any node: by then the clientID's structs are in the document and the log,
 * which attribute it on every node (attribute-client.ts); a clientID only ever seen in awareness may be claimed
 * again afterwards, which is harmless since it owns no content.
 */
import type { Redis as RedisClient } from 'ioredis'
import type { ClientIdClaims } from '../governance/client-id-claims.ts'

/** Options of {@link createRedisClientIdClaims}. */
export interface RedisClientIdClaimsOptions {
  /** A connected (non-subscriber) Redis client. */
  readonly redis: RedisClient
  /** Key namespace, shared by all nodes of one deployment. */
  readonly prefix: string
  /** Lifetime of a claim after its last renewal, in seconds (default one day). */
  readonly ttlSeconds?: number
}

/** Default claim lifetime: one day. */
const DEFAULT_CLAIM_TTL_SECONDS = 24 * 60 * 60

// Returns 1 when ARGV[1] holds the key after the call (claimed now, or renewed), 0 when someone else holds it.
const CLAIM_SCRIPT = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[2]) then return 1 end
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('EXPIRE', KEYS[1], ARGV[2]) return 1 end
return 0`

/** Creates claims stored in Redis. */
export function createRedisClientIdClaims(options: RedisClientIdClaimsOptions): ClientIdClaims {
  const ttl = String(options.ttlSeconds ?? DEFAULT_CLAIM_TTL_SECONDS)
  return {
    async claim(sessionId, clientId, principalId) {
      const key = `${options.prefix}:claim:${sessionId}:${clientId}`
      return (await options.redis.eval(CLAIM_SCRIPT, 1, key, principalId, ttl)) === 1
    },
  }
}
