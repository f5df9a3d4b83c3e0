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

/** What a registry tarball URL says it is: `<registry>/<name>/-/<unscoped name>-<version>.tgz`. */
export interface RegistryTarball {
  /** The package of the path: `name`, `@scope/name` or `@scope%2fname`, decoded. */
  name: string
  /** The file name, like `name-1.0.0.tgz`. */
  file: string
  /** The version the file name carries; null when the file is not named after the package of the path. */
  version: string | null
}

function decodeSegment(segment: string): string | null {
  try {
    return decodeURIComponent(segment)
  } catch {
    return null
  }
}

/**
 * Reads the package and version out of a registry tarball URL. Registries put
 * the package path after their own base (which may have a path of its own, as
 * Artifactory's and Nexus's do), so the name is read back from the `/-/`
 * separator. Scoped names come as `/@scope/name/-/name-1.0.0.tgz`,
 * `/@scope%2fname/-/name-1.0.0.tgz` or (Artifactory) `/@scope/name/-/@scope/name-1.0.0.tgz`.
 * Returns null when the URL has no such shape (git, file:, GitHub Packages downloads).
 */
export function parseRegistryTarball(url: string): RegistryTarball | null {
  let pathname: string
  try {
    pathname = new URL(url).pathname
  } catch {
    return null
  }
  const segments = pathname.split('/').filter(Boolean)
  const separator = segments.lastIndexOf('-')
  if (separator < 1) return null
  const fileSegments = segments.slice(separator + 1).map(decodeSegment)
  const before = segments.slice(0, separator).map(decodeSegment)
  if (fileSegments.includes(null) || before.includes(null)) return null
  const last = before.at(-1) as string
  let name: string
  if (last.startsWith('@')) {
    // `@scope%2fname` in one segment
    if (!/^@[^/]+\/[^/]+$/.test(last)) return null
    name = last
  } else if (before.length >= 2 && (before.at(-2) as string).startsWith('@')) {
    name = `${before.at(-2)}/${last}`
  } else {
    name = last
  }
  if (name.startsWith('@') ? !/^@[^/@]+\/[^/@]+$/.test(name) : name.includes('/') || name.startsWith('.')) return null
  const file = (fileSegments as string[]).join('/')
  if (!file.endsWith('.tgz')) return null
  const unscoped = name.startsWith('@') ? name.slice(name.indexOf('/') + 1) : name
  // The file is named after the unscoped name, or (Artifactory) the whole scoped name.
  const prefix = [`${unscoped}-`, `${name}-`].find((candidate) => file.startsWith(candidate) && !file.slice(candidate.length, -'.tgz'.length).includes('/'))
  const version = prefix ? file.slice(prefix.length, -'.tgz'.length) : null
  return { name, file, version: version || null }
}
