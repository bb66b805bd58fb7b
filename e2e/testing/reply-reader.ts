/**
 * replyReader: reads the replies of a forked process of a bench or a test (a system's server, a viewer) by type: the next message of
 * a `type`, or an error when the process exits first or gives none in time (the process is then killed).
 */
import type { ChildProcess } from 'node:child_process'
import { SessionError } from '../../shared/errors/session-error.ts'

/** Waits for the next reply of one type. @throws Error on an early exit; SessionError TIMEOUT */
export type ReplyReader<Reply extends { readonly type: string }> = <T extends Reply['type']>(
  type: T,
  timeoutMs: number,
) => Promise<Extract<Reply, { type: T }>>

/** The reader of `child`'s replies; `what` names the process in errors. */
export function replyReader<Reply extends { readonly type: string }>(
  child: ChildProcess,
  what: string,
): ReplyReader<Reply> {
  return (type, timeoutMs) =>
    new Promise((resolve, reject) => {
      const cleanUp = (): void => {
        clearTimeout(timer)
        child.off('message', onMessage)
        child.off('exit', onExit)
      }
      const onMessage = (message: Reply): void => {
        if (message.type !== type) return
        cleanUp()
        resolve(message as Extract<Reply, { type: typeof type }>)
      }
      const onExit = (code: number | null): void => {
        cleanUp()
        reject(new Error(`${what} process exited (${String(code)}) before '${type}'`))
      }
      const timer = setTimeout(() => {
        cleanUp()
        child.kill()
        reject(new SessionError('TIMEOUT', `${what} process gave no '${type}' within ${timeoutMs} ms`))
      }, timeoutMs)
      child.on('message', onMessage)
      child.on('exit', onExit)
    })
}
