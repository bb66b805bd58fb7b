/**
 * Splits streamed reply text so that no single write can exceed the server's `maxUpdateBytes` (PROTOCOL.md §10.1):
 * a token or buffer of any size becomes pieces of at most `maxBytes` UTF-8 bytes, cut only between code points so
 * no surrogate pair is torn apart.
 */

/**
 * Pieces of `text`, in order, each at most `maxBytes` bytes as UTF-8 (a lone surrogate counts 3, as U+FFFD). A piece
 * always holds at least one code point, so `maxBytes` below 4 still makes progress.
 */
export function splitTextByBytes(text: string, maxBytes: number): string[] {
  if (text.length * 3 <= maxBytes) return [text] // no UTF-16 code unit takes more than 3 bytes
  const pieces: string[] = []
  let start = 0
  let bytes = 0
  let index = 0
  while (index < text.length) {
    const code = text.charCodeAt(index)
    const pair = code >= 0xd800 && code <= 0xdbff && isLowSurrogate(text.charCodeAt(index + 1))
    const width = pair ? 2 : 1
    const size = pair ? 4 : code < 0x80 ? 1 : code < 0x800 ? 2 : 3
    if (bytes + size > maxBytes && index > start) {
      pieces.push(text.slice(start, index))
      start = index
      bytes = 0
    }
    bytes += size
    index += width
  }
  pieces.push(text.slice(start))
  return pieces
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff
}
