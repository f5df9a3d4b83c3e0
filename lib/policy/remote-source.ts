// Policies that live outside the project's disk: an npm package pinned to an
// exact version, or an https URL pinned by an integrity hash. The syntax
// cannot be taken for a file path (a file named like that is written ./npm:…):
//
//   npm:@acme/policy@1.2.3                      policy.json (or .yaml/.yml) of the package
//   npm:@acme/policy@1.2.3/strict.yaml          another data file of it
//   npm:@acme/policy@1.2.3#sha512-…             and the tarball must have this integrity
//   https://policy.acme.example/p.json#sha512-… a URL: the integrity is required
//
// Fetched once and kept in safe-npm's cache (beside npm's), keyed by the
// registry and name@version or by the URL and integrity: a pinned source never
// changes, so the cache serves it from then on, offline included. Bytes that
// do not match their pin are an error naming the source. Data only: JSON and
// YAML are parsed, nothing in a package is ever run.
import { createHash } from 'node:crypto'
import { mkdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { isLoopbackHost } from '../model/registry-url.js'
import { safeNpmCacheDir } from '../npm/npm-config.js'
import { dataFilesOf, downloadPackage, downloadUrl } from '../npm/policy-download.js'
import { PolicyError } from './errors.js'
import { requireCommonJs } from '../model/commonjs.js'

const semver: typeof import('semver') = requireCommonJs('semver')
const writeFileAtomic: typeof import('write-file-atomic') = requireCommonJs('write-file-atomic')

export type RemoteSpec =
  | { kind: 'npm'; name: string; version: string; file: string | null; integrity: string | null; label: string }
  | { kind: 'url'; url: string; integrity: string; label: string }

/** A policy document fetched from a remote source. */
export interface RemotePolicy {
  /** How it is shown and named in errors: `npm:@acme/policy@1.2.3/policy.json`, or the URL. */
  label: string
  text: string
  extension: '.json' | '.yaml'
  /** A file of the same package, for a relative `extends` inside it (null: not one, or not a package). */
  sibling(relative: string): RemotePolicy | null
}

const PACKAGE_NAME = /^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/
const INTEGRITY_TOKEN = /^(sha256|sha384|sha512)-[A-Za-z0-9+/]+={0,2}$/
const DEFAULT_FILES = ['policy.json', 'policy.yaml', 'policy.yml']
const DATA_NAME = /\.(json|ya?ml)$/i

function sourceError(spec: string, where: string, problem: string): PolicyError {
  return new PolicyError(`${where}: ${spec}: ${problem}`, 'EPOLICYSOURCE')
}

function checkIntegrity(integrity: string, spec: string, where: string): string {
  const tokens = integrity.trim().split(/\s+/)
  if (tokens.length === 0 || !tokens.every((token) => INTEGRITY_TOKEN.test(token))) {
    throw sourceError(spec, where, 'the integrity must be sha256-, sha384- or sha512- and a base64 digest (as in package-lock.json)')
  }
  return tokens.join(' ')
}

/**
 * The remote source a policy reference names, or null when it names a file
 * or an installed package (resolved as before). `where` says who named it,
 * for errors.
 */
export function parseRemoteSpec(spec: string, where: string): RemoteSpec | null {
  if (/^npm:/i.test(spec)) {
    const [body, integrity = null] = spec.slice(4).split('#', 2)
    const at = body.indexOf('@', 1)
    const name = at === -1 ? body : body.slice(0, at)
    if (!PACKAGE_NAME.test(name)) throw sourceError(spec, where, `"${name}" is not a package name`)
    if (at === -1) throw sourceError(spec, where, 'pin an exact version: npm:<name>@<version>')
    const rest = body.slice(at + 1)
    const slash = rest.indexOf('/')
    const version = slash === -1 ? rest : rest.slice(0, slash)
    const file = slash === -1 ? null : rest.slice(slash + 1)
    if (semver.valid(version) === null) throw sourceError(spec, where, `pin an exact version (got "${version}"): a range or a tag could change what is applied`)
    if (file !== null && (!DATA_NAME.test(file) || file.split('/').some((part) => part === '..' || part === ''))) {
      throw sourceError(spec, where, 'the file inside the package must be a JSON or YAML file (.json, .yaml, .yml) in it: safe-npm runs no code from a policy')
    }
    return { kind: 'npm', name, version, file, integrity: integrity === null ? null : checkIntegrity(integrity, spec, where), label: `npm:${name}@${version}${file ? `/${file}` : ''}` }
  }
  if (/^https?:\/\//i.test(spec)) {
    const hash = spec.indexOf('#')
    const url = hash === -1 ? spec : spec.slice(0, hash)
    let parsed: URL
    try {
      parsed = new URL(url)
    } catch {
      throw sourceError(spec, where, 'not a valid URL')
    }
    if (parsed.protocol === 'http:' && !isLoopbackHost(parsed.hostname)) throw sourceError(url, where, 'a policy is only fetched over https (plain http only on loopback)')
    if (parsed.username || parsed.password) throw sourceError(parsed.origin, where, 'a policy URL may not carry credentials')
    if (hash === -1) throw sourceError(url, where, 'pin it with its integrity: <url>#sha512-… (the digest of the file, as `shasum -b -a 512 FILE | xxd -r -p | base64` prints it)')
    return { kind: 'url', url: parsed.href, integrity: checkIntegrity(spec.slice(hash + 1), url, where), label: parsed.href }
  }
  return null
}

/** Whether the bytes have one of the digests of the integrity (any listed algorithm). */
export function hasIntegrity(bytes: Buffer, integrity: string): boolean {
  return integrity.split(/\s+/).some((token) => {
    const match = INTEGRITY_TOKEN.exec(token)
    return match !== null && createHash(match[1]).update(bytes).digest('base64') === token.slice(match[1].length + 1)
  })
}

/** The integrity of bytes, as npm writes it. */
export function integrityOf(bytes: Buffer): string {
  return `sha512-${createHash('sha512').update(bytes).digest('base64')}`
}

interface CacheEntry {
  format: 1
  source: string
  integrity: string
  /** base64 of the tarball or the file. */
  data: string
}

class RemotePolicyCache {
  readonly #dir: string
  constructor(npmOptions: Record<string, any>) {
    this.#dir = path.join(safeNpmCacheDir(npmOptions), 'policies')
  }

  #file(key: string): string {
    return path.join(this.#dir, `${createHash('sha256').update(key).digest('hex')}.json`)
  }

  /** The bytes kept for this key, when they still match what was recorded for them (else null: fetch again). */
  async read(key: string): Promise<{ bytes: Buffer; integrity: string } | null> {
    try {
      const entry = JSON.parse(await readFile(this.#file(key), 'utf8')) as CacheEntry
      if (entry?.format !== 1 || typeof entry.data !== 'string' || typeof entry.integrity !== 'string') return null
      const bytes = Buffer.from(entry.data, 'base64')
      return hasIntegrity(bytes, entry.integrity) ? { bytes, integrity: entry.integrity } : null
    } catch {
      return null
    }
  }

  async write(key: string, source: string, bytes: Buffer, integrity: string): Promise<void> {
    try {
      await mkdir(this.#dir, { recursive: true })
      const entry: CacheEntry = { format: 1, source, integrity, data: bytes.toString('base64') }
      await writeFileAtomic(this.#file(key), JSON.stringify(entry))
    } catch {
      // not kept: the next run fetches it again (and offline it cannot)
    }
  }
}

const isOffline = (npmOptions: Record<string, any>) => npmOptions.offline === true

function failedFetch(spec: RemoteSpec, error: unknown, npmOptions: Record<string, any>): PolicyError {
  const err = error as { code?: string; message?: string }
  if (err?.code === 'EINTEGRITY') {
    const found = /found\s+(\S+)/i.exec(String(err.message))?.[1]
    return new PolicyError(`${spec.label}: the registry's tarball does not have the pinned integrity${found ? ` (it has ${found})` : ''}; if the new bytes are expected, pin them again`, 'EPOLICYINTEGRITY')
  }
  const offline = isOffline(npmOptions) || err?.code === 'EOFFLINE' || err?.code === 'ENOTCACHED'
  const reason = String(err?.message ?? error).split('\n')[0]
  return new PolicyError(
    offline ? `${spec.label} is not in safe-npm's cache and npm is offline: run safe-npm once online to fetch it` : `${spec.label} could not be fetched: ${reason}`,
    offline ? 'EPOLICYOFFLINE' : 'EPOLICYFETCH',
  )
}

async function packageFiles(spec: Extract<RemoteSpec, { kind: 'npm' }>, npmOptions: Record<string, any>): Promise<Map<string, string>> {
  const cache = new RemotePolicyCache(npmOptions)
  const registry = String(npmOptions[`${spec.name.split('/')[0]}:registry`] ?? npmOptions.registry ?? 'https://registry.npmjs.org/')
  const key = `npm\u0000${registry}\u0000${spec.name}@${spec.version}`
  let cached = await cache.read(key)
  // A pin the kept bytes do not have: fetch again, and let pacote check the new pin.
  if (cached && spec.integrity && !hasIntegrity(cached.bytes, spec.integrity)) cached = null
  let tarball = cached?.bytes
  if (!tarball) {
    if (isOffline(npmOptions)) throw failedFetch(spec, { code: 'EOFFLINE' }, npmOptions)
    let downloaded
    try {
      downloaded = await downloadPackage(spec.name, spec.version, npmOptions, spec.integrity ?? undefined)
    } catch (error) {
      throw failedFetch(spec, error, npmOptions)
    }
    if (spec.integrity && !hasIntegrity(downloaded.tarball, spec.integrity)) {
      throw new PolicyError(`${spec.label}: the registry's tarball has ${integrityOf(downloaded.tarball)}, the policy pins ${spec.integrity}`, 'EPOLICYINTEGRITY')
    }
    tarball = downloaded.tarball
    await cache.write(key, spec.label, tarball, integrityOf(tarball))
  }
  try {
    return await dataFilesOf(tarball)
  } catch (error) {
    throw new PolicyError(`${spec.label}: the package's tarball cannot be read: ${(error as Error).message}`, 'EPOLICYFETCH')
  }
}

function packagePolicy(spec: Extract<RemoteSpec, { kind: 'npm' }>, files: Map<string, string>, file: string): RemotePolicy {
  const text = files.get(file)
  if (text === undefined) throw new PolicyError(`npm:${spec.name}@${spec.version}: the package has no ${file}`, 'EPOLICYNOTFOUND')
  const base = `npm:${spec.name}@${spec.version}`
  return {
    label: `${base}/${file}`,
    text,
    extension: /\.json$/i.test(file) ? '.json' : '.yaml',
    sibling(relative) {
      if (!/^\.\.?\//.test(relative)) return null
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), relative))
      if (target.startsWith('../') || target === '..' || !DATA_NAME.test(target)) {
        throw new PolicyError(`${base}/${file}: extends "${relative}" leaves the package or is not a JSON or YAML file`, 'EPOLICYSOURCE')
      }
      return packagePolicy(spec, files, target)
    },
  }
}

/** Fetches (or takes from the cache) the policy a remote spec names. */
export async function fetchRemotePolicy(spec: RemoteSpec, npmOptions: Record<string, any>): Promise<RemotePolicy> {
  if (spec.kind === 'npm') {
    const files = await packageFiles(spec, npmOptions)
    const file = spec.file ?? DEFAULT_FILES.find((candidate) => files.has(candidate))
    if (!file) throw new PolicyError(`npm:${spec.name}@${spec.version}: the package has none of ${DEFAULT_FILES.join(', ')}; name the file (npm:${spec.name}@${spec.version}/<file>.json)`, 'EPOLICYNOTFOUND')
    return packagePolicy(spec, files, file)
  }
  const cache = new RemotePolicyCache(npmOptions)
  const key = `url\u0000${spec.url}\u0000${spec.integrity}`
  let bytes = (await cache.read(key))?.bytes
  if (!bytes) {
    if (isOffline(npmOptions)) throw failedFetch(spec, { code: 'EOFFLINE' }, npmOptions)
    try {
      bytes = await downloadUrl(spec.url, npmOptions)
    } catch (error) {
      throw failedFetch(spec, error, npmOptions)
    }
    if (!hasIntegrity(bytes, spec.integrity)) {
      throw new PolicyError(`${spec.label}: the file has ${integrityOf(bytes)}, the policy pins ${spec.integrity}; if the change is expected, pin the new digest`, 'EPOLICYINTEGRITY')
    }
    await cache.write(key, spec.label, bytes, spec.integrity)
  }
  const extension = /\.ya?ml$/i.test(new URL(spec.url).pathname) ? '.yaml' : '.json'
  const text = bytes.toString('utf8')
  return {
    label: spec.label,
    text,
    extension,
    sibling: () => null,
  }
}
