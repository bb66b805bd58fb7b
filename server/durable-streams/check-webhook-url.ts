/**
 * Validation of subscription webhook URLs against server-side request forgery (PROTOCOL.md §9.10): `https://` to a
 * public address, or the development exception `http(s)://localhost` and `http(s)://127.0.0.x`. Literal addresses
 * in private, loopback, link-local, shared, multicast and unspecified ranges are refused; a host name is checked as
 * written (egress filtering of what names resolve to is the deployment's job, docs/operations.md).
 */
import { BlockList, isIP } from 'node:net'
import { SessionError } from '../../shared/errors/session-error.ts'

const LOCAL_V4 = ['0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12']
const MORE_LOCAL_V4 = ['192.0.0.0/24', '192.168.0.0/16', '198.18.0.0/15', '224.0.0.0/3']
const LOCAL_V6 = ['::/127', 'fc00::/7', 'fe80::/10', 'ff00::/8']

const blocked = new BlockList()
for (const range of [...LOCAL_V4, ...MORE_LOCAL_V4]) {
  const [network = '', prefix = ''] = range.split('/')
  blocked.addSubnet(network, Number(prefix), 'ipv4')
}
for (const range of LOCAL_V6) {
  const [network = '', prefix = ''] = range.split('/')
  blocked.addSubnet(network, Number(prefix), 'ipv6')
}

/**
 * The parsed URL when `text` may receive webhooks.
 * @throws SessionError WEBHOOK_URL_REJECTED with the reason
 */
export function checkWebhookUrl(text: string): URL {
  const refuse = (reason: string): SessionError =>
    new SessionError('WEBHOOK_URL_REJECTED', `webhook URL refused: ${reason}`, { details: { url: text } })
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw refuse('not a URL')
  }
  if (url.username !== '' || url.password !== '') throw refuse('credentials in the URL')
  const host = url.hostname.replace(/^\[|\]$/g, '')
  const development = host === 'localhost' || /^127\.0\.0\.\d{1,3}$/.test(host)
  if (development) return url
  if (url.protocol !== 'https:') throw refuse('only https is accepted outside localhost')
  const family = isIP(host)
  // An IPv4-mapped IPv6 literal is refused whole: it only ever serves to disguise an IPv4 address.
  if (family === 6 && /^::ffff:/i.test(host)) throw refuse('an IPv4-mapped IPv6 address')
  if (family !== 0 && blocked.check(host, family === 4 ? 'ipv4' : 'ipv6')) throw refuse('a local network address')
  if (family === 0 && (host.endsWith('.localhost') || !host.includes('.'))) throw refuse('a local host name')
  return url
}
