/**
 * bindComposer: the composer form. Enter (without Shift) or Send hands the trimmed message to `send` and clears the
 * field; an empty message is not sent. The demo page sends through the client, the browser bench's peer page
 * through its relay.
 */
import { byTestId } from './by-test-id.ts'

/** Wires the composer to `send`, called with the trimmed, non-empty text. */
export function bindComposer(send: (text: string) => void): void {
  const form = byTestId<HTMLFormElement>('composer')
  const input = byTestId<HTMLTextAreaElement>('composer-input')
  const submit = (): void => {
    const text = input.value.trim()
    if (text === '') return
    send(text)
    input.value = ''
  }
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    submit()
  })
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault()
      submit()
    }
  })
}
