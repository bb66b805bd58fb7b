/**
 * The import boundaries of docs/architecture.md § Layers, checked on the source: shared/ stays isomorphic, the
 * server never imports clients, the generic Durable Streams server knows nothing of sessions, client/core runs
 * anywhere, the browser SDK never reaches Node, and production code never imports test helpers. A violation names
 * the file and the import.
 */
import { readFileSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { listSourceFiles, REPO_ROOT as ROOT } from '../testing/list-source-files.ts'

interface Rule {
  readonly folder: string
  /** Import specifiers (resolved to repo paths for relative ones) that files in `folder` must not use. */
  readonly forbidden: readonly RegExp[]
  /** When present, the only specifiers files in `folder` may use: anything else is a violation too. */
  readonly only?: readonly RegExp[]
}

const RULES: readonly Rule[] = [
  { folder: 'shared', forbidden: [/^node:/, /^server\//, /^client\//, /^ws$/, /^better-sqlite3$/, /^pg$/] },
  { folder: 'server', forbidden: [/^client\//, /^demo\//, /^e2e\//] },
  {
    // The generic Durable Streams server: the session projection (server/session-streams/) builds on it, never
    // the other way round, so it may use storage plumbing, HTTP helpers and the stream wire facts only.
    folder: 'server/durable-streams',
    forbidden: [],
    only: [
      /^node:/,
      /^better-sqlite3$/,
      /^pg$/,
      /^shared\/errors\//,
      /^shared\/protocol\/durable-streams\.ts$/,
      /^server\/durable-streams\//,
      /^server\/http\/(read-body|read-json-body|send-json)\.ts$/,
      /^server\/persistence\/(parse-store-url|in-transaction|listen-postgres-channel|migrate-postgres-schema|open-postgres-pool)\.ts$/,
    ],
  },
  {
    // Session webhooks follow the session event streams through the stream store only: never documents or Yjs.
    folder: 'server/session-webhooks',
    forbidden: [/^server\/session-streams\//, /^server\/extensions\//, /^@hocuspocus\//, /^yjs$/],
  },
  { folder: 'client/core', forbidden: [/^node:/, /^server\//, /^client\/agent\//, /^client\/browser\//, /^ws$/] },
  { folder: 'client/browser', forbidden: [/^node:/, /^server\//, /^client\/agent\//, /^ws$/] },
  { folder: 'client/agent', forbidden: [/^server\//, /^client\/browser\//] },
  { folder: 'client/react', forbidden: [/^node:/, /^server\//, /^client\/agent\//, /^client\/browser\//, /^ws$/] },
  {
    // The AI SDK integration: the chat transport runs in browsers; the agent-side helper reaches only the adapters and
    // the reply writer's types, never the Node WebSocket.
    folder: 'client/ai-sdk',
    forbidden: [
      /^node:/,
      /^server\//,
      /^client\/browser\//,
      /^ws$/,
      /^client\/agent\/(?!adapters\/|reply-writer\.ts$)/,
    ],
  },
  {
    // The on-device agent runs in browsers and Web Workers: the reply writer and the adapters, never the Node socket.
    folder: 'client/agent-browser',
    forbidden: [
      /^node:/,
      /^server\//,
      /^client\/browser\//,
      /^ws$/,
      /^client\/agent\/(?!adapters\/|reply-writer\.ts$|reply-part\.ts$)/,
    ],
  },
  { folder: 'client/inspector', forbidden: [/^node:/, /^server\//, /^client\/agent\//, /^ws$/] },
]

const TESTING = /(^|\/)testing\//

function imports(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8')
  return [...text.matchAll(/^\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]/gm)].map((match) => {
    const specifier = match[1] ?? ''
    return specifier.startsWith('.') ? relative(ROOT, resolve(join(ROOT, file, '..'), specifier)) : specifier
  })
}

const isTestFile = (file: string): boolean => /\.(test|contract)\.ts$/.test(file) || TESTING.test(file)

describe('import boundaries', () => {
  for (const rule of RULES) {
    it(`${rule.folder}/ imports only what it may`, () => {
      const violations = listSourceFiles(rule.folder)
        .filter((file) => !isTestFile(file))
        .flatMap((file) =>
          imports(file)
            .filter(
              (target) =>
                rule.forbidden.some((pattern) => pattern.test(target)) ||
                (rule.only !== undefined && !rule.only.some((pattern) => pattern.test(target))),
            )
            .map((target) => `${file} → ${target}`),
        )
      expect(violations).toEqual([])
    })
  }

  it('production code never imports test helpers', () => {
    const violations = ['shared', 'server', 'client', 'demo']
      .flatMap(listSourceFiles)
      .filter((file) => !isTestFile(file))
      .flatMap((file) =>
        imports(file)
          .filter((target) => TESTING.test(target))
          .map((target) => `${file} → ${target}`),
      )
    expect(violations).toEqual([])
  })
})
