/**
 * The server's Ed25519 key that signs subscription webhooks (PROTOCOL.md §9.10). It is kept in the stream store
 * under a reserved path, created once by whichever node comes first, so every node and every restart signs with the
 * same key and the JWK Set stays stable. Its `kid` is `ds_` plus the RFC 7638 thumbprint of the public key.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign } from 'node:crypto'
import { assert } from '../../shared/errors/invariant.ts'
import { STREAM_CONTROL_PREFIX } from '../../shared/protocol/durable-streams.ts'
import { controlRecordMeta } from './control-record-meta.ts'
import type { StreamStore } from './stream-store.ts'

/** Store path of the key record. */
const KEY_PATH = `${STREAM_CONTROL_PREFIX}webhook-signing-key`

/** A public key as published in the JWK Set. */
export interface PublicJwk {
  readonly kty: 'OKP'
  readonly crv: 'Ed25519'
  readonly kid: string
  readonly use: 'sig'
  readonly alg: 'EdDSA'
  readonly x: string
}

/** The loaded signing key. */
export interface WebhookSigningKey {
  readonly kid: string
  readonly jwk: PublicJwk
  /** The `Webhook-Signature` value for `body` sent at `unixSeconds`: Ed25519 over `<t>.<body>`. */
  signatureHeader(body: string, unixSeconds: number): string
}

/** Loads the key from `store`, creating and storing it when there is none yet. */
export async function loadWebhookSigningKey(store: StreamStore, nowMs: number): Promise<WebhookSigningKey> {
  const fresh = generateKeyPairSync('ed25519').privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64')
  await store.change(KEY_PATH, (current) => {
    if (current !== undefined) return undefined
    return { meta: controlRecordMeta(KEY_PATH, { pkcs8: fresh }, nowMs), messages: [] }
  })
  const stored = (await store.get(KEY_PATH))?.state as { pkcs8?: unknown } | undefined
  assert(typeof stored?.pkcs8 === 'string', 'the signing key record holds a key')
  return fromPrivateKey(createPrivateKey({ key: Buffer.from(stored.pkcs8, 'base64'), format: 'der', type: 'pkcs8' }))
}

function fromPrivateKey(privateKey: KeyObject): WebhookSigningKey {
  const exported = createPublicKey(privateKey).export({ format: 'jwk' })
  assert(typeof exported.x === 'string', 'an Ed25519 public key has x')
  const thumbprint = createHash('sha256')
    .update(JSON.stringify({ crv: 'Ed25519', kty: 'OKP', x: exported.x }))
    .digest('base64url')
  const kid = `ds_${thumbprint}`
  return {
    kid,
    jwk: { kty: 'OKP', crv: 'Ed25519', kid, use: 'sig', alg: 'EdDSA', x: exported.x },
    signatureHeader(body, unixSeconds) {
      const signature = sign(null, Buffer.from(`${unixSeconds}.${body}`), privateKey).toString('base64url')
      return `t=${unixSeconds},kid=${kid},ed25519=${signature}`
    },
  }
}
