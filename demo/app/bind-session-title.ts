/**
 * bindSessionTitle: the header's session title (sessionTitle: the stored title, else the first message's start),
 * kept current as the session changes, with the sidebar link of the open session. A person who may rename the
 * session (its owner, an admin, anyone with auth off) gets a Rename form (`PATCH /v1/sessions/:id`), and a session
 * without a stored title is named after its first message once this person sent it.
 */
import type { SessionClient } from '../../client/core/session-client.ts'
import { byTestId } from './by-test-id.ts'
import type { SessionsApi } from './sessions-api.ts'
import { sessionTitle, storedTitle, titleFromMessage } from './session-title.ts'

/** Shows the title; `canRename` says whether this person may rename the session. */
export function bindSessionTitle(client: SessionClient, api: SessionsApi, canRename: boolean): void {
  const heading = byTestId('session-title')
  const renameButton = byTestId<HTMLButtonElement>('rename-button')
  const form = byTestId<HTMLFormElement>('rename-form')
  const input = byTestId<HTMLInputElement>('rename-input')
  const error = byTestId('title-error')
  let namingFromFirstMessage = false
  const rename = (title: string): void => {
    api.rename(client.sessionId, title).then(
      () => {
        error.textContent = ''
      },
      (caught: unknown) => {
        error.textContent = `Could not rename: ${caught instanceof Error ? caught.message : String(caught)}`
      },
    )
  }
  const render = (): void => {
    const title = sessionTitle(client)
    if (heading.textContent !== title) heading.textContent = title
    const link = document.querySelector<HTMLElement>('.session-link[aria-current="page"]')
    if (link !== null && link.textContent !== title) link.textContent = title
    if (!canRename || namingFromFirstMessage || storedTitle(client) !== '') return
    const first = client.messages().find((message) => message.role === 'user' && message.author === client.principalId)
    if (first === undefined || client.status !== 'synced') return
    namingFromFirstMessage = true
    rename(titleFromMessage(first.text))
  }
  const showForm = (open: boolean): void => {
    form.hidden = !open
    heading.hidden = open
    renameButton.hidden = open || !canRename
    if (open) {
      input.value = sessionTitle(client)
      input.focus()
      input.select()
    } else renameButton.focus()
  }
  renameButton.hidden = !canRename
  renameButton.addEventListener('click', () => {
    showForm(true)
  })
  byTestId('rename-cancel').addEventListener('click', () => {
    showForm(false)
  })
  form.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') showForm(false)
  })
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    const title = input.value.trim()
    if (title !== '') rename(title)
    showForm(false)
  })
  client.on('change', render)
  client.on('status', render)
  render()
}
