/**
 * bindSidebarToggle: on narrow screens (CSS below 700 px) the sidebar is hidden behind the header's ☰ button. The
 * button opens and closes it; Escape, a click outside it or choosing a link closes it and gives focus back.
 */
import { byTestId } from './by-test-id.ts'

/** Wires the ☰ button to the sidebar. */
export function bindSidebarToggle(): void {
  const toggle = byTestId<HTMLButtonElement>('sidebar-toggle')
  const sidebar = byTestId('sidebar')
  const setOpen = (open: boolean): void => {
    document.body.dataset.sidebar = open ? 'open' : 'closed'
    toggle.setAttribute('aria-expanded', String(open))
    toggle.setAttribute('aria-label', open ? 'Hide sessions and people' : 'Show sessions and people')
  }
  const isOpen = (): boolean => document.body.dataset.sidebar === 'open'
  setOpen(false)
  toggle.addEventListener('click', () => {
    setOpen(!isOpen())
    if (isOpen()) sidebar.querySelector<HTMLElement>('button, a, input')?.focus()
  })
  document.addEventListener('keydown', (event) => {
    if (event.key !== 'Escape' || !isOpen()) return
    setOpen(false)
    toggle.focus()
  })
  document.addEventListener('click', (event) => {
    const target = event.target as Node
    if (isOpen() && !sidebar.contains(target) && !toggle.contains(target)) setOpen(false)
  })
}
