// Threat feeds decide what gets blocked, so they are only read over https.
// Plain http is allowed for loopback hosts (test servers, local mirrors).

import { isIP } from 'node:net'
import { IntelError } from './errors.js'

/** The fetch the feed clients use; injectable for tests. */
export type FetchFunction = typeof globalThis.fetch

export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase()
  if (host === 'localhost' || host.endsWith('.localhost')) return true
  if (isIP(host) === 4) return host.startsWith('127.')
  if (isIP(host) === 6) return host === '::1' || host === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(host)
  return false
}

/** The parsed URL, or an EINSECUREURL error when it is neither https nor http on loopback. */
export function requireSecureUrl(url: string | URL): URL {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch (error) {
    throw new IntelError('EINSECUREURL', `not a valid URL: ${String(url)}`, { cause: error })
  }
  if (parsed.protocol === 'https:') return parsed
  if (parsed.protocol === 'http:' && isLoopbackHost(parsed.hostname)) return parsed
  throw new IntelError('EINSECUREURL', `refusing ${parsed.protocol}//${parsed.host}: threat feeds must use https (plain http only on loopback)`)
}
