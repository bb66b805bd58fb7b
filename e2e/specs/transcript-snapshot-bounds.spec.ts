/**
 * The transcript snapshot's bounds (demo/app/transcript-snapshot.ts, docs/offline.md § First paint), in Chromium's
 * own DOM and localStorage: a list that fits is kept whole; a longer one keeps its last messages, and a single
 * message too long its last text chunks; nothing is kept when not even the last chunk fits. When localStorage is
 * full, the other sessions' snapshots make room (nothing else is touched), and a snapshot that still does not fit
 * leaves none behind.
 *
 * The module is bundled on its own into a blank page of the test server's origin: no session, no app.
 */
import { DEMO_STORAGE_KEYS } from '../../demo/app/demo-storage-keys.ts'
import { bundleForBrowser } from '../react-app/serve-react-app.ts'
import { REPO_ROOT } from '../testing/list-source-files.ts'
import { expect, test } from '../fixtures.ts'

const PAGE = '/transcript-snapshot-bounds'

test('a snapshot keeps the end of a long list within its bound and makes room in full storage', async ({ page }) => {
  const script = await bundleForBrowser({
    source: "import * as snapshot from './demo/app/transcript-snapshot.ts'; Object.assign(globalThis, { snapshot })",
    resolveDir: REPO_ROOT,
  })
  await page.route(`**${PAGE}`, (route) =>
    route.fulfill({
      contentType: 'text/html',
      body: `<!doctype html><body><section id="list"></section><script type="module">${Buffer.from(script).toString()}</script></body>`,
    }),
  )
  await page.goto(PAGE)
  await page.waitForFunction(() => 'snapshot' in globalThis)

  const kept = await page.evaluate((prefix) => {
    const { snapshotOf, writeTranscriptSnapshot, readTranscriptSnapshot } = (
      globalThis as unknown as { snapshot: typeof import('../../demo/app/transcript-snapshot.ts') }
    ).snapshot
    const list = document.getElementById('list') as HTMLElement
    const message = (id: string, chunks: string[]): string =>
      `<article data-message-id="${id}"><span class="message-text">${chunks
        .map((chunk) => `<span class="text-chunk">${chunk}</span>`)
        .join('')}</span></article>`
    list.innerHTML = message('a', ['a'.repeat(100)]) + message('b', ['b'.repeat(100)]) + message('c', ['c'.repeat(100)])
    const [, second, third] = [...list.children].map((element) => element.outerHTML)
    const whole = snapshotOf(list, 10_000) === list.innerHTML
    const lastTwo = snapshotOf(list, (second?.length ?? 0) + (third?.length ?? 0) + 10)
    list.innerHTML = message('long', ['1'.repeat(1000), '2'.repeat(1000), '3'.repeat(1000), '4'.repeat(1000)])
    const lastChunks = snapshotOf(list, 2200) ?? ''
    const nothing = snapshotOf(list, 500)

    localStorage.setItem('lifeline.principal', 'kept')
    writeTranscriptSnapshot('other', 'x'.repeat(3_000_000))
    writeTranscriptSnapshot('open', 'y'.repeat(3_000_000))
    const afterRoom = {
      other: readTranscriptSnapshot('other') !== undefined,
      open: readTranscriptSnapshot('open')?.length,
    }
    writeTranscriptSnapshot('open', 'z'.repeat(6_000_000))
    return {
      whole,
      lastTwo: lastTwo === `${second}${third}`,
      lastChunks: {
        fits: lastChunks.length <= 2200,
        texts: [...lastChunks.matchAll(/<span class="text-chunk">(.)/g)].map((match) => match[1]),
        message: lastChunks.startsWith('<article data-message-id="long">'),
      },
      nothing: nothing === undefined,
      afterRoom,
      tooLarge: readTranscriptSnapshot('open') === undefined,
      principal: localStorage.getItem('lifeline.principal'),
      snapshots: Object.keys(localStorage).filter((key) => key.startsWith(prefix)),
    }
  }, DEMO_STORAGE_KEYS.TRANSCRIPT_SNAPSHOT)

  expect(kept).toEqual({
    whole: true,
    lastTwo: true,
    lastChunks: { fits: true, texts: ['3', '4'], message: true },
    nothing: true,
    afterRoom: { other: false, open: 3_000_000 },
    tooLarge: true,
    principal: 'kept',
    snapshots: [],
  })
})
