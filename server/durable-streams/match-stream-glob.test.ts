import { describe, expect, it } from 'vitest'
import { matchStreamGlob } from './match-stream-glob.ts'

describe('matchStreamGlob', () => {
  it.each([
    ['events/*', 'events/a', true],
    ['events/*', 'events/a/b', false],
    ['events/*', 'events', false],
    ['events/**', 'events', true],
    ['events/**', 'events/a/b/c', true],
    ['**/done', 'a/b/done', true],
    ['**/done', 'done', true],
    ['a/*/c', 'a/b/c', true],
    ['a/*/c', 'a/b/d', false],
    ['exact/path', 'exact/path', true],
    ['exact/path', 'exact/pat', false],
    ['ev*', 'events', false],
  ])('%s against %s is %s', (pattern, path, expected) => {
    expect(matchStreamGlob(pattern, path)).toBe(expected)
  })
})
