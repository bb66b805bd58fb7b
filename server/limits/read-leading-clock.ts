/**
 * readLeadingClock: the first clientID a Yjs v1 update writes structs with and the clock they start at, read from the
 * update's header alone — an update over `maxUpdateBytes` is refused before anything decodes it (PROTOCOL.md §10.1),
 * yet its clock must be held back like any refused update's (update-refusals.ts). Yjs writes one run of structs per
 * clientID, in descending clientID order: for an update of one clientID (every update frame of the SDKs) this covers
 * it whole; of a sync step 2 that carries several, it names one.
 */
import * as decoding from 'lib0/decoding'

/** The leading clientID and clock of `update`, or undefined when it writes no struct or its header does not decode. */
export function readLeadingClock(update: Uint8Array): { readonly client: number; readonly clock: number } | undefined {
  try {
    const decoder = decoding.createDecoder(update)
    if (decoding.readVarUint(decoder) === 0) return undefined // no clientID writes structs
    if (decoding.readVarUint(decoder) === 0) return undefined // an empty run
    return { client: decoding.readVarUint(decoder), clock: decoding.readVarUint(decoder) }
  } catch {
    return undefined // reason: a header that does not decode names no clock to hold back
  }
}
