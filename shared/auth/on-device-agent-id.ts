/**
 * The identity of an on-device agent (PROTOCOL.md §8.1, §8.4): an agent that runs in a person's own page or Web
 * Worker and writes its replies into that person's local replica, with that person's token. Its id is the person's
 * principal id plus ON_DEVICE_AGENT_SUFFIX, so every reader can tell whose device answered, and the server can count
 * its writes under the person's clientID binding. The suffix is reserved: no token's `sub` may end with it.
 */

/** What an on-device agent's id adds to its person's principal id. */
export const ON_DEVICE_AGENT_SUFFIX = '/on-device'

/** The id of `principalId`'s on-device agent: `<principalId>/on-device`. */
export function onDeviceAgentId(principalId: string): string {
  return `${principalId}${ON_DEVICE_AGENT_SUFFIX}`
}

/** The principal id an on-device agent id belongs to, or undefined when `id` is no on-device agent's id. */
export function onDeviceAgentOwner(id: string): string | undefined {
  return id.endsWith(ON_DEVICE_AGENT_SUFFIX) && id.length > ON_DEVICE_AGENT_SUFFIX.length
    ? id.slice(0, -ON_DEVICE_AGENT_SUFFIX.length)
    : undefined
}
