/**
 * bindOnDeviceAgent: the "Answer on this device" button. It shows when a question waits for an answer and the server
 * agent cannot give one — the page is not connected, or no agent is present in the session — and answers the latest
 * such question with the on-device agent (lifeline/agent-browser) and the demo's local model, written into the local
 * copy: offline it is sent once when the network is back (docs/offline.md § An agent on the device).
 */
import { createOnDeviceAgent, fromPromptApiStream } from '../../client/agent-browser/index.ts'
import type { SessionClient } from '../../client/browser/index.ts'
import { byTestId } from './by-test-id.ts'
import { createLocalLanguageModel } from './local-language-model.ts'

/** Shows the button while the server agent is unreachable and a question is unanswered; a click answers it here. */
export function bindOnDeviceAgent(client: SessionClient): void {
  const button = byTestId<HTMLButtonElement>('answer-on-device')
  const agent = createOnDeviceAgent({ session: client })
  const model = createLocalLanguageModel()
  let answering = false
  const serverAgentReachable = (): boolean =>
    client.status === 'synced' && client.presence().some((member) => member.role === 'agent')
  const render = (): void => {
    button.hidden = answering || serverAgentReachable() || agent.unanswered().length === 0
  }
  button.addEventListener('click', () => {
    const question = agent.unanswered().at(-1)
    if (question === undefined || answering) return
    answering = true
    render()
    const reply = agent.answer(question.id, ({ message, signal }) =>
      fromPromptApiStream(model.promptStreaming(message.text, { signal })),
    )
    void reply.ended
      .catch((error: unknown) => {
        console.error('on-device agent: the reply failed', error)
      })
      .finally(() => {
        answering = false
        render()
      })
  })
  client.on('change', render)
  client.on('status', render)
  client.on('presence', render)
  render()
}
