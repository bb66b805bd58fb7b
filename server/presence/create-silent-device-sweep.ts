/**
 * The Hocuspocus extension that drops silent devices from every loaded session's presence (PROTOCOL.md §8.5): it
 * watches each session's awareness from load until the document is destroyed on unload (watch-silent-devices.ts).
 * The removal is broadcast to the session's connections and, with scale-out, relayed to the other nodes like any
 * awareness change.
 */
import type { afterLoadDocumentPayload, Extension } from '@hocuspocus/server'
import { watchSilentDevices, type SilentDeviceOptions } from './watch-silent-devices.ts'

/** The sweep: its extension, and `stop` for shutdown. */
export interface SilentDeviceSweep {
  readonly extension: Extension
  /** Stops every session's timer. */
  stop(): void
}

/** Creates the sweep; `timeoutMs` is the server's presence timeout. */
export function createSilentDeviceSweep(options: SilentDeviceOptions): SilentDeviceSweep {
  const watchers = new Set<() => void>()
  return {
    extension: {
      extensionName: 'lifeline-silent-devices',
      async afterLoadDocument({ document }: afterLoadDocumentPayload) {
        const stopWatching = watchSilentDevices(document.awareness, options)
        const stop = (): void => {
          stopWatching()
          watchers.delete(stop)
        }
        watchers.add(stop)
        document.once('destroy', stop)
      },
    },
    stop() {
      for (const stop of [...watchers]) stop()
    },
  }
}
