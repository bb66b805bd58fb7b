/**
 * Copies what a socket was given to send into a fresh Uint8Array, so a frame kept for later (a retry, a replay on
 * another transport) cannot change under the caller's reuse of its buffer.
 */

/** A copy of `data`'s bytes. */
export function copyBytes(data: ArrayBufferLike | ArrayBufferView): Uint8Array {
  return ArrayBuffer.isView(data)
    ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice()
    : new Uint8Array(data).slice()
}
