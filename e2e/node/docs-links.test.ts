/**
 * The documentation holds together: every relative link and `#anchor` of README.md, CONTRIBUTING.md, PROTOCOL.md and
 * docs/*.md reaches an existing file and heading (GitHub's anchor rules), every "file.md § Heading" citation in the
 * repository names a heading of that document, no file cites a document the repository does not have, README.md stays
 * a front door of at most README_MAX_LINES lines, and every test the threat table of docs/security.md names exists in
 * the file it names.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { basename, dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const README_MAX_LINES = 250
const THIS_FILE = relative(ROOT, fileURLToPath(import.meta.url))

/** The documents whose links are checked, as paths from the repository root. */
const DOCUMENTS = [
  'README.md',
  'CONTRIBUTING.md',
  'shared/protocol/PROTOCOL.md',
  ...readdirSync(join(ROOT, 'docs')).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`),
]

/** Folders never searched for citations: dependencies, version control, outputs. */
const SKIPPED_FOLDERS = new Set(['node_modules', '.git', 'data', 'test-results', 'playwright-report', 'results'])
const CITING_FILE = /\.(ts|tsx|js|mjs|md|py|sh|template)$/

/** Citations of documents that are not in the repository, or of README sections that moved to docs/. */
const FOREIGN_CITATION = /README §|README "|DESIGN\.md|\bCONVENTIONS\b|reliability\.md/

const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8')

/** The lines of a Markdown text outside fenced code blocks, numbered from 1. */
function proseLines (text: string): Array<{ text: string, number: number }> {
  let fenced = false
  return text.split('\n').flatMap((line, index) => {
    if (/^\s*```/.test(line)) {
      fenced = !fenced
      return []
    }
    return fenced ? [] : [{ text: line, number: index + 1 }]
  })
}

/** A heading's text as GitHub renders it: inline code and links reduced to their text. */
const headingText = (heading: string): string => heading.replace(/`([^`]*)`/g, '$1').replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').trim()

/** The headings of a Markdown text, as rendered text. */
function headings (text: string): string[] {
  return proseLines(text).flatMap(({ text: line }) => {
    const match = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)
    return match === null ? [] : [headingText(match[1] ?? '')]
  })
}

/** GitHub's anchors for the headings of a Markdown text: lowercase, punctuation dropped, spaces → '-', repeats numbered. */
function anchors (text: string): Set<string> {
  const seen = new Map<string, number>()
  return new Set(headings(text).map((heading) => {
    const slug = heading.toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '').replace(/ /g, '-')
    const count = seen.get(slug) ?? 0
    seen.set(slug, count + 1)
    return count === 0 ? slug : `${slug}-${count}`
  }))
}

/** The targets of the inline links of a Markdown text, outside code, with their line numbers. */
function links (text: string): Array<{ target: string, line: number }> {
  return proseLines(text).flatMap(({ text: line, number }) => {
    const withoutCode = line.replace(/`[^`]*`/g, '``')
    return [...withoutCode.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((match) => ({ target: match[1] ?? '', line: number }))
  })
}

/** Why `target`, linked from `document`, does not resolve; undefined when it does. */
function brokenLink (document: string, target: string): string | undefined {
  if (/^[a-z][a-z+.-]*:/i.test(target)) return undefined // an absolute URL: not checked here
  const [path = '', anchor] = target.split('#')
  const file = path === '' ? document : join(dirname(document), decodeURI(path))
  if (!existsSync(join(ROOT, file))) return `no file ${file}`
  if (anchor === undefined) return undefined
  if (!file.endsWith('.md')) return `an anchor into ${file}, which is not Markdown`
  return anchors(read(file)).has(anchor) ? undefined : `no heading #${anchor} in ${file}`
}

/** Files of the repository that may cite documents, as paths from the root. */
function citingFiles (folder = ''): string[] {
  return readdirSync(join(ROOT, folder)).flatMap((name) => {
    const path = join(folder, name)
    if (SKIPPED_FOLDERS.has(name) || (name.startsWith('.') && name !== '.ci')) return []
    if (statSync(join(ROOT, path)).isDirectory()) return citingFiles(path)
    return CITING_FILE.test(name) || path === join('.ci', 'run') ? [path] : []
  })
}

/** A regular expression matching the names a test title literal (with `${…}` or `%s` placeholders) produces. */
function titlePattern (literal: string): RegExp {
  const text = literal.replace(/\\(.)/g, '$1')
  const parts = text.split(/\$\{[^}]*\}|%[sdifjo#]/)
  return new RegExp(`^${parts.map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.+')}$`)
}

/** The title literals of the tests and suites of a test file: the first argument of a test-like call. */
function testTitles (file: string): RegExp[] {
  const source = read(file)
  const calls = /(?:\b(?:test|it|describe)\w*|\w+Test|\))\s*\(\s*(['"`])((?:\\.|(?!\1)[^\\\n])*)\1\s*,/g
  return [...source.matchAll(calls)].map((match) => titlePattern(match[2] ?? ''))
}

describe('documentation', () => {
  it(`README.md is a front door of at most ${README_MAX_LINES} lines`, () => {
    expect(read('README.md').trimEnd().split('\n').length).toBeLessThanOrEqual(README_MAX_LINES)
  })

  for (const document of DOCUMENTS) {
    it(`${document}: every relative link reaches an existing file and heading`, () => {
      const found = links(read(document))
      const broken = found.flatMap(({ target, line }) => {
        const problem = brokenLink(document, target)
        return problem === undefined ? [] : [`${document}:${line} → ${target}: ${problem}`]
      })
      expect(broken).toEqual([])
      expect(found.length).toBeGreaterThan(0)
    })
  }

  it('every "document.md § Heading" citation names a heading of that document', () => {
    const byName = new Map(DOCUMENTS.map((document) => [basename(document), headings(read(document)).map((heading) => heading.toLowerCase())]))
    const citations = citingFiles().filter((file) => file !== THIS_FILE).flatMap((file) => read(file).split('\n').flatMap((line, index) =>
      [...line.matchAll(/\b([\w-]+\.md) § ([^,;:()[\]`*\n]+)/g)].map((match) => ({
        where: `${file}:${index + 1}`, document: match[1] ?? '', section: (match[2] ?? '').trim().replace(/\.$/, ''),
      }))))
    const unresolved = citations
      .filter(({ document, section }) => !(byName.get(document) ?? []).some((heading) => heading.startsWith(section.toLowerCase())))
      .map(({ where, document, section }) => `${where}: ${document} § ${section}`)
    expect(unresolved).toEqual([])
    expect(citations.length).toBeGreaterThan(20)
  })

  it('no file cites a document the repository does not have', () => {
    const foreign = citingFiles().filter((file) => file !== THIS_FILE).flatMap((file) => read(file).split('\n')
      .flatMap((line, index) => FOREIGN_CITATION.test(line) ? [`${file}:${index + 1}: ${line.trim()}`] : []))
    expect(foreign).toEqual([])
  })

  it('every row of the threat table names a test that exists', () => {
    const lines = read('docs/security.md').split('\n')
    const start = lines.findIndex((line) => line === '## Threat table')
    expect(start).toBeGreaterThan(0)
    const rows = lines.slice(start).filter((line) => line.startsWith('| ') && !line.startsWith('| Attack |'))
    const problems = rows.flatMap((row) => {
      const named = /`([\w./-]+\.ts)` › "([^"]+)"/.exec(row)
      if (named === null) return [`names no test: ${row}`]
      const [, file = '', name = ''] = named
      if (!existsSync(join(ROOT, file))) return [`no file ${file}: ${row}`]
      return testTitles(file).some((title) => title.test(name)) ? [] : [`no test "${name}" in ${file}`]
    })
    expect(problems).toEqual([])
    expect(rows.length).toBeGreaterThan(30)
  })
})
