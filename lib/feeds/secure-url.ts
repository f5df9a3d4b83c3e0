// Threat feeds decide what gets blocked, so they are only read over https.
// Plain http is allowed for loopback hosts (test servers, local mirrors).

import { isLoopbackHost } from '../model/registry-url.js'
import { IntelError } from './errors.js'

export { isLoopbackHost }

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
