/**
 * bindSteer: the redirect form, shown while a reply streams; it posts a `redirect` steer aimed at that reply.
 */
import type { SessionClient } from '../../client/core/session-client.ts'
import type { MessageView } from '../../shared/session/session-schema.ts'
import { byTestId } from './by-test-id.ts'

function streamingReply(client: SessionClient): MessageView | undefined {
  return client.messages().find((message) => message.role === 'assistant' && message.status === 'streaming')
}

/** Shows the steer form while a reply streams and sends its text as a redirect of that reply. */
export function bindSteer(client: SessionClient): void {
  const form = byTestId<HTMLFormElement>('steer-form')
  const input = byTestId<HTMLInputElement>('steer-input')
  client.on('change', () => {
    form.hidden = streamingReply(client) === undefined
  })
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    const reply = streamingReply(client)
    const text = input.value.trim()
    if (reply === undefined || text === '') return
    client.steer({ kind: 'redirect', target: reply.id, text })
    input.value = ''
  })
}
