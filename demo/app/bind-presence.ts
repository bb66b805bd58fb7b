/**
 * bindPresence: the header's list of devices present in the session, kept current from the client's `presence`
 * event.
 */
import type { SessionClient } from '../../client/core/session-client.ts'
import { byTestId } from './by-test-id.ts'

/** Renders the presence list now and on every presence change. */
export function bindPresence(client: SessionClient): void {
  const list = byTestId('presence-list')
  const render = (): void => {
    list.replaceChildren(
      ...client.presence().map((member) => {
        const item = document.createElement('li')
        item.textContent = member.self
          ? 'this tab'
          : `${member.principalId}${member.device === undefined ? '' : ` · ${member.device}`}`
        item.title = `${member.principalId}${member.device === undefined ? '' : ` · ${member.device}`}`
        item.dataset.self = String(member.self)
        return item
      }),
    )
  }
  client.on('presence', render)
  render()
}
