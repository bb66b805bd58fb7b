/**
 * watchSentFrames: sees each frame the server hands one of its connections, where Hocuspocus hands it over
 * (`Connection.send`), for tests of what is sent to whom and how it is written.
 */
import type { Connection } from '@hocuspocus/server'

/** Calls `onFrame` with each frame sent to `connection`, right after the connection wrote it to its socket. */
export function watchSentFrames(connection: Connection, onFrame: (frame: Uint8Array) => void): void {
  const send = connection.send.bind(connection)
  connection.send = (frame: Uint8Array) => {
    send(frame)
    onFrame(frame)
  }
}
