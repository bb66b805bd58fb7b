/**
 * The fenced blocks of README.md and docs/*.md, read with the marker comment placed right before each: an example
 * (`<!-- example: name -->`) is code that a test runs, found by its name; anything else (a diagram, a printed answer,
 * a folder tree) says what it is (`<!-- not-code: kind -->`). A block without a marker fails `docs-examples.test.ts`.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { REPO_ROOT } from './list-source-files.ts'

/** One fenced block of a Markdown document. */
export interface DocBlock {
  /** The document, as a path from the repository root. */
  readonly doc: string
  /** The line of the opening fence (1-based). */
  readonly line: number
  /** The fence's language (`ts`, `sh`, …), empty when it has none. */
  readonly lang: string
  /** `example` or `not-code`, from the comment right before the fence; undefined without one. */
  readonly kind: 'example' | 'not-code' | undefined
  /** The example's name, or what kind of text a not-code block holds. */
  readonly label: string
  /** The block's text, with its final newline. */
  readonly code: string
}

const MARKER = /^<!-- (example|not-code): ([\w-]+) -->$/

/** The documents whose blocks are checked: README.md and every Markdown file in docs/. */
export function documentedFiles(): string[] {
  const docs = readdirSync(join(REPO_ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
  return ['README.md', ...docs.map((name) => `docs/${name}`)]
}

/** Every fenced block of `doc` (a path from the repository root), in document order. */
export function readDocBlocks(doc: string): DocBlock[] {
  const lines = readFileSync(join(REPO_ROOT, doc), 'utf8').split('\n')
  const blocks: DocBlock[] = []
  for (let index = 0; index < lines.length; index++) {
    const fence = /^```(\S*)$/.exec(lines[index] ?? '')
    if (fence === null) continue
    const end = lines.indexOf('```', index + 1)
    if (end < 0) throw new Error(`${doc}:${index + 1}: unclosed code fence`)
    const marker = MARKER.exec(lines[index - 1] ?? '')
    blocks.push({
      doc,
      line: index + 1,
      lang: fence[1] ?? '',
      kind: marker === null ? undefined : (marker[1] as 'example' | 'not-code'),
      label: marker?.[2] ?? '',
      code: `${lines.slice(index + 1, end).join('\n')}\n`,
    })
    index = end
  }
  return blocks
}

/** The code of the example named `name` in `doc`; throws when there is no such example. */
export function docExample(doc: string, name: string): string {
  const block = readDocBlocks(doc).find((candidate) => candidate.kind === 'example' && candidate.label === name)
  if (block === undefined) throw new Error(`${doc} has no example named ${name}`)
  return block.code
}
