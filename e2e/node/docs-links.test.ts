/**
 * The documentation holds together: every relative link and `#anchor` of README.md, CONTRIBUTING.md, PROTOCOL.md and
 * docs/*.md reaches an existing file and heading (GitHub's anchor rules), every "file.md § Heading" citation in the
 * repository names a heading of that document, no prose or comment cites a document the repository does not have (a
 * `.md` name it lacks, or a section cited by a bare name such as `NOTES §`), README.md stays
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
  ...readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
]

/** Folders never searched for citations: dependencies, version control, outputs. */
const SKIPPED_FOLDERS = new Set(['node_modules', '.git', 'data', 'test-results', 'playwright-report', 'results'])
const CITING_FILE = /\.(ts|tsx|js|mjs|md|py|sh|template)$/

/** A Markdown document named in prose: a file name or path ending in `.md`. */
const DOCUMENT_NAME = /(?<![\w./-])(?:\.{1,2}\/)*[\w-]+(?:\/[\w-]+)*\.md\b/g
/** A section cited by a bare name rather than a file of the repository: `NOTES § Limits`, `SPEC §4`. */
const BARE_SECTION_CITATION = /(?<![\w.])[A-Z][\w-]* §/
/** The comment of a line of code: after `//`, or a line of a block comment, or after `#` in a shell or Python file. */
const CODE_COMMENT = /(?:^\s*(?:\/\/|\/?\*+)|\s\/\/)\s?(.*)$/
const HASH_COMMENT = /(?:^|\s)#\s?(.*)$/

const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8')

/** The lines of a Markdown text outside fenced code blocks, numbered from 1. */
function proseLines(text: string): Array<{ text: string; number: number }> {
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
const headingText = (heading: string): string =>
  heading
    .replace(/`([^`]*)`/g, '$1')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .trim()

/** The headings of a Markdown text, as rendered text. */
function headings(text: string): string[] {
  return proseLines(text).flatMap(({ text: line }) => {
    const match = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)
    return match === null ? [] : [headingText(match[1] ?? '')]
  })
}

/** GitHub's anchors for the headings of a Markdown text: lowercase, punctuation dropped, spaces → '-', repeats numbered. */
function anchors(text: string): Set<string> {
  const seen = new Map<string, number>()
  return new Set(
    headings(text).map((heading) => {
      const slug = heading
        .toLowerCase()
        .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '')
        .replace(/ /g, '-')
      const count = seen.get(slug) ?? 0
      seen.set(slug, count + 1)
      return count === 0 ? slug : `${slug}-${count}`
    }),
  )
}

/** The targets of the inline links of a Markdown text, outside code, with their line numbers. */
function links(text: string): Array<{ target: string; line: number }> {
  return proseLines(text).flatMap(({ text: line, number }) => {
    const withoutCode = line.replace(/`[^`]*`/g, '``')
    return [...withoutCode.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((match) => ({
      target: match[1] ?? '',
      line: number,
    }))
  })
}

/** Why `target`, linked from `document`, does not resolve; undefined when it does. */
function brokenLink(document: string, target: string): string | undefined {
  if (/^[a-z][a-z+.-]*:/i.test(target)) return undefined // an absolute URL: not checked here
  const [path = '', anchor] = target.split('#')
  const file = path === '' ? document : join(dirname(document), decodeURI(path))
  if (!existsSync(join(ROOT, file))) return `no file ${file}`
  if (anchor === undefined) return undefined
  if (!file.endsWith('.md')) return `an anchor into ${file}, which is not Markdown`
  return anchors(read(file)).has(anchor) ? undefined : `no heading #${anchor} in ${file}`
}

/** Files of the repository that may cite documents, as paths from the root. */
function citingFiles(folder = ''): string[] {
  return readdirSync(join(ROOT, folder)).flatMap((name) => {
    const path = join(folder, name)
    if (SKIPPED_FOLDERS.has(name) || (name.startsWith('.') && name !== '.ci')) return []
    if (statSync(join(ROOT, path)).isDirectory()) return citingFiles(path)
    return CITING_FILE.test(name) || path === join('.ci', 'run') ? [path] : []
  })
}

/** A regular expression matching the names a test title literal (with `${…}` or `%s` placeholders) produces. */
function titlePattern(literal: string): RegExp {
  const text = literal.replace(/\\(.)/g, '$1')
  const parts = text.split(/\$\{[^}]*\}|%[sdifjo#]/)
  return new RegExp(`^${parts.map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.+')}$`)
}

/** The title literals of the tests and suites of a test file: the first argument of a test-like call. */
function testTitles(file: string): RegExp[] {
  const source = read(file)
  const calls = /(?:\b(?:test|it|describe)\w*|\w+Test|\))\s*\(\s*(['"`])((?:\\.|(?!\1)[^\\\n])*)\1\s*,/g
  return [...source.matchAll(calls)].map((match) => titlePattern(match[2] ?? ''))
}

/** The prose of a file: a Markdown file's lines outside code blocks; the comments of a code file. */
function prose(file: string, text: string): Array<{ text: string; number: number }> {
  if (file.endsWith('.md') || file.endsWith('.template')) return proseLines(text)
  const comment = /\.(py|sh)$/.test(file) || file.endsWith('run') ? HASH_COMMENT : CODE_COMMENT
  return text.split('\n').flatMap((line, index) => {
    const match = comment.exec(line)
    return match === null ? [] : [{ text: match[1] ?? '', number: index + 1 }]
  })
}

/**
 * The places in `text` (the content of `file`) that cite a document the repository does not have: a `.md` name that is
 * none of `markdown` (the repository's Markdown files, by name), or a section cited by a bare name.
 */
function foreignCitations(file: string, text: string, markdown: ReadonlySet<string>): string[] {
  return prose(file, text).flatMap(({ text: line, number }) => {
    const missing = [...line.matchAll(DOCUMENT_NAME)]
      .map((match) => match[0])
      .filter((name) => !markdown.has(basename(name)))
    const bare = BARE_SECTION_CITATION.exec(line)
    return [...missing, ...(bare === null ? [] : [bare[0]])].map((cited) => `${file}:${number}: ${cited}`)
  })
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
    const byName = new Map(
      DOCUMENTS.map((document) => [
        basename(document),
        headings(read(document)).map((heading) => heading.toLowerCase()),
      ]),
    )
    const citations = citingFiles()
      .filter((file) => file !== THIS_FILE)
      .flatMap((file) =>
        read(file)
          .split('\n')
          .flatMap((line, index) =>
            [...line.matchAll(/\b([\w-]+\.md) § ([^,;:()[\]`*\n]+)/g)].map((match) => ({
              where: `${file}:${index + 1}`,
              document: match[1] ?? '',
              section: (match[2] ?? '').trim().replace(/\.$/, ''),
            })),
          ),
      )
    const unresolved = citations
      .filter(
        ({ document, section }) =>
          !(byName.get(document) ?? []).some((heading) => heading.startsWith(section.toLowerCase())),
      )
      .map(({ where, document, section }) => `${where}: ${document} § ${section}`)
    expect(unresolved).toEqual([])
    expect(citations.length).toBeGreaterThan(20)
  })

  it('the foreign-citation check catches a missing document, a bare section name, and passes test data', () => {
    const markdown = new Set(['PROTOCOL.md'])
    expect(foreignCitations('a.ts', ' * the rules of NOTES.md, see PROTOCOL.md', markdown)).toHaveLength(1)
    expect(foreignCitations('a.md', 'as SPEC § Limits says', markdown)).toHaveLength(1)
    expect(foreignCitations('a.py', 'x = 1  # per SPEC.md', markdown)).toHaveLength(1)
    expect(foreignCitations('a.ts', "write({ path: 'a.md' }) // PROTOCOL.md §3", markdown)).toEqual([])
  })

  it('no file cites a document the repository does not have', () => {
    const markdown = new Set(
      citingFiles()
        .filter((file) => file.endsWith('.md'))
        .map((file) => basename(file)),
    )
    const foreign = citingFiles()
      .filter((file) => file !== THIS_FILE)
      .flatMap((file) => foreignCitations(file, read(file), markdown))
    expect(foreign).toEqual([])
    expect(markdown.size).toBeGreaterThan(5)
  })

  it('every row of the threat table names a test that exists', () => {
    const lines = read('docs/security.md').split('\n')
    const start = lines.indexOf('## Threat table')
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
