/**
 * bindPresence: the sidebar's list of the people in the session, each with their devices ("Alice: computer,
 * phone"), agents marked and this page's person first as "you". Redrawn on presence changes (devices) and on
 * document changes (display names), through scheduleRedraw and only when what it shows changed.
 */
import type { PersonPresence, SessionClient } from '../../client/core/session-client.ts'
import { byTestId } from './by-test-id.ts'
import { scheduleRedraw } from './schedule-redraw.ts'

/** "computer, phone", numbering repeats ("computer, computer 2"); devices without a label are left out. */
function deviceList(person: PersonPresence): string {
  const seen = new Map<string, number>()
  return person.devices
    .flatMap((device) => {
      const label = device.device
      if (label === undefined) return []
      const count = (seen.get(label) ?? 0) + 1
      seen.set(label, count)
      return count === 1 ? label : `${label} ${count}`
    })
    .join(', ')
}

function personItem(person: PersonPresence): HTMLLIElement {
  const item = document.createElement('li')
  item.className = 'person'
  item.dataset.testid = 'person'
  item.dataset.principal = person.principalId
  item.dataset.self = String(person.self)
  item.dataset.agent = String(person.isAgent)
  const avatar = document.createElement('span')
  avatar.className = 'avatar'
  avatar.setAttribute('aria-hidden', 'true')
  avatar.textContent = person.initials
  const name = document.createElement('span')
  name.className = 'person-name'
  name.dataset.testid = 'person-line'
  const devices = deviceList(person)
  name.textContent = `${person.name}${person.self ? ' (you)' : ''}${devices === '' ? '' : `: ${devices}`}`
  item.append(avatar, name)
  if (person.isAgent) {
    const tag = document.createElement('span')
    tag.className = 'agent-tag'
    tag.textContent = 'agent'
    item.append(tag)
  }
  return item
}

/** Renders the people list now and whenever presence or names change. */
export function bindPresence(client: SessionClient): void {
  const list = byTestId('presence-list')
  let shown = ''
  const render = (): void => {
    const people = client.presenceByPerson()
    const signature = JSON.stringify(people.map((person) => [person.principalId, person.name, deviceList(person)]))
    if (signature === shown) return
    shown = signature
    list.replaceChildren(...people.map(personItem))
  }
  const schedule = scheduleRedraw(render)
  client.on('presence', schedule)
  client.on('change', schedule)
  render()
}
