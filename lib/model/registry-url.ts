// Helpers for comparing resolved URLs with registry base URLs.
import { isIP } from 'node:net'

export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase()
  if (host === 'localhost' || host.endsWith('.localhost')) return true
  if (isIP(host) === 4) return host.startsWith('127.')
  if (isIP(host) === 6) return host === '::1' || host === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(host)
  return false
}

/** Lower-cased scheme and host, trailing slash: comparable registry bases. */
export function normaliseBase(url: string): string {
  try {
    const parsed = new URL(url)
    const pathname = parsed.pathname.endsWith('/') ? parsed.pathname : `${parsed.pathname}/`
    return `${parsed.protocol}//${parsed.host.toLowerCase()}${pathname}`
  } catch {
    return url
  }
}

export function isUnder(url: string, base: string): boolean {
  return normaliseBase(url).startsWith(normaliseBase(base))
}

export function registryFor(name: string, scopes: Record<string, string>, fallback: string): string {
  const scope = name.startsWith('@') ? name.split('/')[0] : null
  return (scope && scopes[scope]) || fallback
}
