/**
 * Byte-level mutations of protocol frames and updates, shared by the live-server fuzz (e2e/fuzz/run-frame-fuzz.ts)
 * and the fast-check properties (e2e/node/update-apply.property.test.ts): bit flips, overwritten and inserted
 * bytes, cut ranges, truncation, repeated chunks, and varints that overflow or claim huge lengths.
 */
import type { SeededRandom } from '../../shared/testing/seeded-random.ts'

/** Kinds of mutation. */
export const MUTATION_KINDS = [
  'flip-bit',
  'set-byte',
  'insert-bytes',
  'delete-range',
  'truncate',
  'repeat-chunk',
  'overflow-varint',
  'huge-length',
] as const
export type MutationKind = (typeof MUTATION_KINDS)[number]

/** One mutation; `at` is a position as a fraction of the length, so one mutation fits any frame. */
export interface FrameMutation {
  readonly kind: MutationKind
  /** Position in [0, 1). */
  readonly at: number
  /** A byte value, bit index or length, depending on `kind`. */
  readonly value: number
}

/** Applies `mutations` in order to a copy of `bytes`. */
export function applyMutations(bytes: Uint8Array, mutations: readonly FrameMutation[]): Uint8Array {
  let current = Array.from(bytes)
  for (const mutation of mutations) current = applyOne(current, mutation)
  return Uint8Array.from(current)
}

/** A random mutation drawn from `random`. */
export function randomMutation(random: SeededRandom): FrameMutation {
  return {
    kind: MUTATION_KINDS[random.int(0, MUTATION_KINDS.length - 1)] as MutationKind,
    at: random.next(),
    value: random.int(0, 255),
  }
}

function applyOne(bytes: number[], mutation: FrameMutation): number[] {
  const at = Math.min(bytes.length, Math.floor(mutation.at * bytes.length))
  const value = mutation.value & 0xff
  switch (mutation.kind) {
    case 'flip-bit':
      if (at < bytes.length) bytes[at] = (bytes[at] as number) ^ (1 << (value % 8))
      return bytes
    case 'set-byte':
      if (at < bytes.length) bytes[at] = value
      return bytes
    case 'insert-bytes':
      return [
        ...bytes.slice(0, at),
        ...Array.from({ length: 1 + (value % 8) }, (_, index) => (value * (index + 7)) & 0xff),
        ...bytes.slice(at),
      ]
    case 'delete-range':
      return [...bytes.slice(0, at), ...bytes.slice(at + 1 + (value % 16))]
    case 'truncate':
      return bytes.slice(0, at)
    case 'repeat-chunk': {
      const chunk = bytes.slice(at, at + 1 + (value % 32))
      return [...bytes.slice(0, at), ...chunk, ...chunk, ...bytes.slice(at + chunk.length)]
    }
    case 'overflow-varint':
      // More continuation bytes than any 53-bit number needs.
      return [...bytes.slice(0, at), ...Array.from({ length: 10 + (value % 6) }, () => 0xff), 0x01, ...bytes.slice(at)]
    case 'huge-length':
      // A varint length of ~2^31 where a length is expected.
      return [...bytes.slice(0, at), 0xff, 0xff, 0xff, 0xff, 0x07, ...bytes.slice(at)]
  }
}
