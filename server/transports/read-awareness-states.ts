/**
 * readAwarenessStates: the states a y-protocols awareness update (an Awareness frame's payload, PROTOCOL.md §2.2)
 * carries, as the JSON text of each entry in order; a client whose presence the update removes has `null`.
 * @throws Error (lib0's) when the update ends before its last entry
 */
import * as decoding from 'lib0/decoding'

/** The JSON text of every entry's state, in the update's order. */
export function readAwarenessStates(update: Uint8Array): string[] {
  const decoder = decoding.createDecoder(update)
  const count = decoding.readVarUint(decoder)
  const states: string[] = []
  for (let index = 0; index < count; index++) {
    decoding.readVarUint(decoder) // clientID
    decoding.readVarUint(decoder) // clock
    states.push(decoding.readVarString(decoder))
  }
  return states
}
