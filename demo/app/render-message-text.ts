/**
 * renderMessageText: draws a message's text as chunks of at most TEXT_CHUNK_CHARS characters, each its own element,
 * cut after a line break where the text has one (else after a space). Every chunk but the last is a block the
 * browser may leave unlaid while it is off screen (`content-visibility: auto` in app.css, with a height estimated
 * from its length until it has been laid out once), so a reply of hundreds of thousands of characters costs the
 * layout of the few chunks on screen, not of the whole text. A streamed reply's new text touches only its last chunks:
 * the chunks before are kept as they are.
 */

/** Longest chunk, in characters: a few screens of text, so few chunks are on screen at once. */
const TEXT_CHUNK_CHARS = 4096

/** Characters per line assumed for the height of a chunk not laid out yet (the list is at most 760 px wide). */
const ESTIMATED_LINE_CHARS = 90

/** The text of each chunk drawn, per text element. */
const drawnChunks = new WeakMap<HTMLElement, string[]>()

/**
 * Brings `element` to show `text`, reusing every chunk already drawn that still holds the same characters at the
 * same place. Returns whether the text changed.
 */
export function renderMessageText(element: HTMLElement, text: string): boolean {
  const drawn = drawnChunks.get(element) ?? []
  let kept = 0
  let offset = 0
  // The last chunk was cut where the text ended: it is cut again from its start.
  while (kept < drawn.length - 1 && text.startsWith(drawn[kept] as string, offset)) {
    offset += (drawn[kept] as string).length
    kept++
  }
  const chunks = [...drawn.slice(0, kept), ...splitChunks(text, offset)]
  if (chunks.length === drawn.length && chunks.every((chunk, index) => chunk === drawn[index])) return false
  chunks.forEach((chunk, index) => {
    if (index < kept) return
    const before = drawn[index]
    const node = element.children[index] as HTMLElement | undefined
    if (node === undefined) element.append(chunkElement(chunk))
    else if (before !== chunk) fillChunk(node, before ?? '', chunk)
  })
  while (element.children.length > chunks.length) element.lastElementChild?.remove()
  drawnChunks.set(element, chunks)
  return true
}

/** `text` from `from` on in chunks; none for an empty rest. */
function splitChunks(text: string, from: number): string[] {
  const chunks: string[] = []
  let start = from
  while (text.length - start > TEXT_CHUNK_CHARS) {
    const last = start + TEXT_CHUNK_CHARS - 1
    let cut = text.lastIndexOf('\n', last)
    if (cut < start) cut = text.lastIndexOf(' ', last)
    const end = cut < start ? start + TEXT_CHUNK_CHARS : cut + 1
    chunks.push(text.slice(start, end))
    start = end
  }
  if (start < text.length) chunks.push(text.slice(start))
  return chunks
}

function chunkElement(chunk: string): HTMLElement {
  const element = document.createElement('span')
  element.className = 'text-chunk'
  fillChunk(element, '', chunk)
  return element
}

/** Sets a chunk's text (appending when it only grew) and the height estimate used while it is not laid out. */
function fillChunk(element: HTMLElement, before: string, chunk: string): void {
  const node = element.firstChild
  if (node instanceof Text && before !== '' && chunk.startsWith(before)) node.appendData(chunk.slice(before.length))
  else element.textContent = chunk
  element.style.setProperty('--chunk-lines', String(estimatedLines(chunk)))
}

function estimatedLines(chunk: string): number {
  let lines = 0
  for (const line of chunk.split('\n')) lines += Math.max(1, Math.ceil(line.length / ESTIMATED_LINE_CHARS))
  return lines
}
