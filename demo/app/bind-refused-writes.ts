/**
 * bindRefusedWrites: keeps the "not sent" entries (renderRefusedWrites) in step with the client's refused writes.
 */
import type { SessionClient } from '../../client/core/session-client.ts'
import { byTestId } from './by-test-id.ts'
import { renderRefusedWrites } from './render-refused-writes.ts'

/** Renders the refused writes now and on every `refused` event. */
export function bindRefusedWrites(client: SessionClient): void {
  const box = byTestId('refused-list')
  const render = (): void => {
    renderRefusedWrites(box, client.refused(), {
      retry: (id) => {
        client.retry(id)
      },
      discard: (id) => {
        client.discard(id)
      },
    })
  }
  client.on('refused', render)
  render()
}
