/**
 * The demo page's icons, drawn in code: the Lifeline diamond on the page's dark background, as an SVG and as PNGs of
 * the sizes an installable web app needs (192 and 512 px). PNGs are encoded here (one IDAT, no filtering), so no
 * binary file is kept in the repository.
 */
import { crc32, deflateSync } from 'node:zlib'

/** Background and mark colours (the page's `--bg` and `--accent`). */
const BACKGROUND = [0x0f, 0x11, 0x15] as const
const MARK = [0x7c, 0x9c, 0xff] as const
/** Half the diamond's diagonal, as a fraction of the icon's size. */
const MARK_RADIUS = 0.3

/** The icon as SVG (any size). */
export function svgIcon(): string {
  const low = 50 - MARK_RADIUS * 100
  const high = 50 + MARK_RADIUS * 100
  const hex = (rgb: readonly number[]): string => `#${rgb.map((value) => value.toString(16).padStart(2, '0')).join('')}`
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100"><rect width="100" height="100" fill="${hex(BACKGROUND)}"/><path d="M50 ${low}L${high} 50L50 ${high}L${low} 50Z" fill="${hex(MARK)}"/></svg>`
}

/** The icon as a `size`×`size` PNG (opaque RGB, so it also serves as a maskable icon). */
export function pngIcon(size: number): Uint8Array {
  const rowBytes = 1 + size * 3
  const pixels = Buffer.alloc(rowBytes * size)
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const inMark = Math.abs(x + 0.5 - size / 2) + Math.abs(y + 0.5 - size / 2) <= MARK_RADIUS * size
      pixels.set(inMark ? MARK : BACKGROUND, y * rowBytes + 1 + x * 3)
    }
  }
  const header = Buffer.alloc(13)
  header.writeUInt32BE(size, 0)
  header.writeUInt32BE(size, 4)
  header.set([8, 2, 0, 0, 0], 8) // 8-bit RGB, deflate, no filter method variants, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(pixels)),
    chunk('IEND', Buffer.alloc(0)),
  ])
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4)
  length.writeUInt32BE(data.length)
  const typed = Buffer.concat([Buffer.from(type, 'ascii'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(typed))
  return Buffer.concat([length, typed, crc])
}
