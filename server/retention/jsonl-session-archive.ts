/**
 * A session archive of JSON lines files: one file per session, `<dir>/<sessionId>.jsonl`, written to a temporary
 * file, flushed to disk and renamed over the old one, so a reader (or a crash) sees a whole version or none. The
 * first line names the archived version (`updatedAt`); a version the file already holds is not written again. A
 * crash between creating the temporary file and renaming it leaves `<sessionId>.jsonl.<random>.tmp` behind: `clean`
 * removes those older than {@link STALE_TEMPORARY_MS}, so that a write of another node sharing the directory, still
 * running, keeps its file.
 */
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { SessionError } from '../../shared/errors/session-error.ts'
import { createRandomId } from '../../shared/session/session-id.ts'
import { type SessionArchive, toArchiveLines } from './session-archive.ts'

/** Bytes read to find the header line: it holds a title of at most 200 characters and a few numbers. */
const HEADER_READ_BYTES = 16 * 1024

/** Age after which a temporary file is a crashed write's (no write takes this long), in ms: one hour. */
const STALE_TEMPORARY_MS = 60 * 60 * 1000

/** Length of the random part of a temporary file's name. */
const TEMPORARY_ID_CHARS = 8

/** Names of temporary files: `<sessionId>.jsonl.<random>.tmp`. */
const TEMPORARY_NAME = new RegExp(`^[\\w-]+\\.jsonl\\.[a-z0-9]{${TEMPORARY_ID_CHARS}}\\.tmp$`)

/** Opens the archive in `dir` (created on the first write). */
export function createJsonlSessionArchive(options: { readonly dir: string }): SessionArchive {
  const { dir } = options
  // Session ids are URL-safe (shared/session/session-id.ts): no separator, no `..`, usable as file names.
  const fileOf = (sessionId: string): string => join(dir, `${sessionId}.jsonl`)
  const failed = (message: string, cause: unknown, sessionId: string): SessionError =>
    new SessionError('PERSISTENCE_FAILED', message, { cause, details: { sessionId } })

  const versionOf = async (sessionId: string): Promise<number | undefined> => {
    try {
      const handle = await open(fileOf(sessionId), 'r')
      try {
        const { buffer, bytesRead } = await handle.read(Buffer.alloc(HEADER_READ_BYTES), 0, HEADER_READ_BYTES, 0)
        const text = buffer.subarray(0, bytesRead).toString('utf8')
        const header = JSON.parse(text.slice(0, text.indexOf('\n'))) as { updatedAt?: unknown }
        return typeof header.updatedAt === 'number' ? header.updatedAt : undefined
      } finally {
        await handle.close()
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw failed(`cannot read the archive of session ${sessionId}`, error, sessionId)
    }
  }

  return {
    kind: 'jsonl',
    archivedVersion: versionOf,
    async write(session) {
      const sessionId = session.record.id
      const file = fileOf(sessionId)
      const temporary = `${file}.${createRandomId(TEMPORARY_ID_CHARS)}.tmp`
      const text = `${toArchiveLines(session)
        .map((line) => JSON.stringify(line))
        .join('\n')}\n`
      try {
        await mkdir(dir, { recursive: true })
        const handle = await open(temporary, 'wx')
        try {
          await handle.writeFile(text, 'utf8')
          await handle.sync()
        } finally {
          await handle.close()
        }
        // Another node sharing the directory may have archived this version meanwhile: keep its file.
        if ((await versionOf(sessionId)) === session.record.updatedAt) {
          await rm(temporary, { force: true })
          return false
        }
        await rename(temporary, file)
        return true
      } catch (error) {
        await rm(temporary, { force: true }).catch(() => undefined) // reason: the write's own error is the one to report
        throw failed(`cannot write the archive of session ${sessionId} to ${dir}`, error, sessionId)
      }
    },
    async remove(sessionId) {
      try {
        await rm(fileOf(sessionId), { force: true })
      } catch (error) {
        throw failed(`cannot remove the archive of session ${sessionId}`, error, sessionId)
      }
    },
    async clean(nowMs) {
      let names: string[]
      try {
        names = await readdir(dir)
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0
        throw new SessionError('PERSISTENCE_FAILED', `cannot list the archive ${dir}`, { cause: error })
      }
      let removed = 0
      for (const name of names) {
        if (!TEMPORARY_NAME.test(name)) continue
        const path = join(dir, name)
        // reason: a file gone meanwhile was renamed or removed by its writer
        const modifiedMs = (await stat(path).catch(() => undefined))?.mtimeMs
        if (modifiedMs === undefined || nowMs - modifiedMs < STALE_TEMPORARY_MS) continue
        await rm(path, { force: true })
        removed++
      }
      return removed
    },
    async close() {},
  }
}
