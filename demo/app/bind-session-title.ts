/**
 * bindSessionTitle: the header's session title (sessionTitle: the stored title, else the first message's start),
 * kept current as the session changes.
 */
import type { SessionClient } from '../../client/core/session-client.ts'
import { byTestId } from './by-test-id.ts'
import { sessionTitle } from './session-title.ts'

/** Shows the session's title in the header. */
export function bindSessionTitle(client: SessionClient): void {
  const heading = byTestId('session-title')
  const render = (): void => {
    const title = sessionTitle(client)
    if (heading.textContent !== title) heading.textContent = title
  }
  client.on('change', render)
  render()
}
