// Helpers for comparing resolved URLs with registry base URLs.
export { isLoopbackHost } from '../intel/secure-url.js'

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
