/**
 * Close codes are wire facts written once in `shared/` (CONTRIBUTING.md § Files and names): `ERROR_CODES` in
 * `shared/errors/error-codes.ts` and `CLOSE_CODES` in `shared/protocol/close-codes.ts`. This test fails when a
 * WebSocket close code (1000–1015, 4000–4999) is spelled as a number in code outside `shared/` — in a close or end
 * call, a `code` / `closeCode` field, a close-code constant, a row pairing an error code with a number, or an
 * assertion on a code — tests included. Other four-digit numbers (clientIDs, ports, limits) are not close contexts
 * and pass.
 */
import { readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { listSourceFiles, REPO_ROOT as ROOT } from '../testing/list-source-files.ts'
const FOLDERS = ['server', 'client', 'e2e', 'demo', 'bench']

/** A number in the ranges WebSocket close codes use: the standard 1000–1015 and the application range 4000–4999. */
const CODE = String.raw`(?:10(?:0\d|1[0-5])|4\d{3})\b`
const CLOSE_CODE_CONTEXTS: readonly RegExp[] = [
  new RegExp(String.raw`\b(?:close|end|terminate)\(\s*${CODE}`),
  new RegExp(String.raw`\b(?:code|closeCode)\s*(?::\s*number\s*)?[:=]\s*${CODE}`),
  new RegExp(String.raw`\b[A-Z_]*CLOSE[A-Z_]*\s*=\s*${CODE}`),
  new RegExp(String.raw`['"][A-Z][A-Z_]+['"]\s*,\s*${CODE}`),
  new RegExp(String.raw`[cC]ode\W*\)\.to(?:Be|Equal)\(\s*${CODE}`),
]

/** The close-code literals of `text`, as `line: text`. */
function closeCodeLiterals(text: string): string[] {
  return text
    .split('\n')
    .map((line, index) => ({ line, number: index + 1 }))
    .filter(({ line }) => CLOSE_CODE_CONTEXTS.some((pattern) => pattern.test(line)))
    .map(({ line, number }) => `${number}: ${line.trim()}`)
}

describe('close codes outside shared/', () => {
  it('finds a close code in each close context, and not other four-digit numbers', () => {
    const flagged = [
      "socket.close(4403, 'FORBIDDEN')",
      'this.end(4404, reason)',
      'expect(await raw.closed).toEqual({ code: 4400, reason })',
      'expect(details).toMatchObject({ closeCode: 1009 })',
      'close(code = 1000, reason) {',
      'const TRANSPORT_UPGRADE_CLOSE_CODE = 4000',
      "['RATE_LIMITED', 4429, true],",
      'expect(event.code).toBe(4401)',
    ]
    const passed = [
      'doc.clientID = 4242',
      'anyone = openPeer(4001)',
      "expect(inspect(update)).toMatchObject({ verdict: 'defer', clientId: 4001 })",
      'const port = 4000 + index',
      'socket.close(ERROR_CODES.FORBIDDEN.closeCode, code)',
      'expect(response.status).toBe(403)',
    ]
    expect(flagged.filter((line) => closeCodeLiterals(line).length === 0)).toEqual([])
    expect(passed.flatMap(closeCodeLiterals)).toEqual([])
  })

  it('no file outside shared/ spells a close code as a number', () => {
    const literals = FOLDERS.flatMap(listSourceFiles)
      .filter((file) => file !== relative(ROOT, fileURLToPath(import.meta.url)))
      .flatMap((file) => closeCodeLiterals(readFileSync(join(ROOT, file), 'utf8')).map((hit) => `${file}:${hit}`))
    expect(literals).toEqual([])
  })
})
