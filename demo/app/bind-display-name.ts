/**
 * bindDisplayName: the sidebar's "Your name" form. The name is stored in the session (`client.setDisplayName`), so
 * every device and person sees it; a name the SDK refuses (empty, too long) is explained next to the field.
 */
import type { SessionClient } from '../../client/core/session-client.ts'
import { MAX_DISPLAY_NAME_CHARS } from '../../shared/session/session-schema.ts'
import { byTestId } from './by-test-id.ts'

/** Wires the name form; hidden for a reader who may not write (`readOnly`). */
export function bindDisplayName(client: SessionClient, options: { readonly readOnly: boolean }): void {
  const form = byTestId<HTMLFormElement>('name-form')
  const input = byTestId<HTMLInputElement>('name-input')
  const error = byTestId('name-error')
  form.hidden = options.readOnly
  if (options.readOnly) return
  input.maxLength = MAX_DISPLAY_NAME_CHARS
  const fill = (): void => {
    if (document.activeElement !== input) input.value = client.person(client.principalId)?.name ?? ''
  }
  client.on('change', fill)
  fill()
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    try {
      input.value = client.setDisplayName(input.value)
      error.textContent = ''
    } catch (caught) {
      error.textContent = caught instanceof Error ? caught.message : String(caught)
    }
  })
}
