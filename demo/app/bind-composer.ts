/**
 * bindComposer: the composer form. Enter (without Shift) or Send posts the message through the client and clears
 * the field; an empty message is not sent.
 */
import type { SessionClient } from '../../client/core/session-client.ts'
import { byTestId } from './by-test-id.ts'

/** Wires the composer to `client.sendMessage`. */
export function bindComposer(client: SessionClient): void {
  const form = byTestId<HTMLFormElement>('composer')
  const input = byTestId<HTMLTextAreaElement>('composer-input')
  const send = (): void => {
    const text = input.value.trim()
    if (text === '') return
    client.sendMessage(text)
    input.value = ''
  }
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    send()
  })
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault()
      send()
    }
  })
}
