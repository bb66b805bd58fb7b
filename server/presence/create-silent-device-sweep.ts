/**
 * The Hocuspocus extension that drops silent devices from every loaded session's presence (PROTOCOL.md §8.5): it
 * watches each session's awareness from load until the document is destroyed on unload (watch-silent-devices.ts).
 * The removal is broadcast to the session's connections and, with scale-out, relayed to the other nodes like any
 * awareness change.
 */
import type { afterLoadDocumentPayload, Extension } from '@hocuspocus/server'
import type * as Y from 'yjs'
import { watchSilentDevices, type SilentDeviceOptions } from './watch-silent-devices.ts'

/** The sweep: its extension, and `stop` for shutdown. */
export interface SilentDeviceSweep {
  readonly extension: Extension
  /** Stops every session's timer. */
  stop(): void
}

/** Creates the sweep; `timeoutMs` is the server's presence timeout. */
export function createSilentDeviceSweep(options: SilentDeviceOptions): SilentDeviceSweep {
  /** The function that stops watching each loaded document. */
  const watchers = new Map<Y.Doc, () => void>()
  /** One destroy listener for every document: a closure per document would cost memory as long as it stays loaded. */
  const stop = (document: Y.Doc): void => {
    watchers.get(document)?.()
    watchers.delete(document)
    document.off('destroy', stop)
  }
  return {
    extension: {
      extensionName: 'lifeline-silent-devices',
      async afterLoadDocument({ document }: afterLoadDocumentPayload) {
        watchers.set(document, watchSilentDevices(document.awareness, options))
        document.on('destroy', stop)
      },
    },
    stop() {
      for (const document of [...watchers.keys()]) stop(document)
    },
  }
}
