// A small HTTP cache for threat feeds (deny lists, advisory dumps): one file
// per URL holding the body and its validators. Fresh entries are served
// without a request; older ones are revalidated with If-None-Match /
// If-Modified-Since; when the feed cannot be reached a cached copy is still
// served, flagged stale, so the caller can decide whether stale is enough.
// Requests go out the way npm sends its own (proxy, CA, fetch-timeout), without
// registry credentials; npm's prefer-offline serves any cached copy without
// asking, prefer-online revalidates even a fresh one, offline never asks.

import { createHash } from 'node:crypto'
import { mkdir, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { thirdPartyRequest, type HttpAnswer, type NpmOptions } from '../npm/registry-fetch.js'
import { IntelError, isIntelError } from './errors.js'
import { requireSecureUrl } from './secure-url.js'
import { requireCommonJs } from '../model/commonjs.js'

const writeFileAtomic: typeof import('write-file-atomic') = requireCommonJs('write-file-atomic')

export interface CachedFetchOptions {
  cacheDir: string
  /** How long a copy is served without asking the server. */
  maxAgeMs: number
  /** npm's flat options (proxy, CA, strict-ssl, fetch-timeout, fetch-retries, offline…). */
  npmOptions: NpmOptions
  /** Clock, for tests. */
  now?: () => Date
}

export interface CachedFetchResult {
  body: string
  /** True when the body came from the cache (fresh, revalidated by a 304, or stale). */
  fromCache: boolean
  /** When the body was last confirmed by the server. */
  fetchedAt: Date
  /** True when the feed could not be reached and an older copy is returned. */
  stale: boolean
  /** Why the feed could not be reached, when `stale`. */
  staleReason?: string
}

const ENTRY_FORMAT = 1

interface CacheEntry {
  format: number
  url: string
  fetchedAt: string
  etag: string | null
  lastModified: string | null
  /** sha256 of the body: a truncated or edited entry is not served. */
  bodySha256: string
  body: string
}

export async function cachedFetch(url: string, options: CachedFetchOptions): Promise<CachedFetchResult> {
  requireSecureUrl(url)
  const now = options.now ?? (() => new Date())
  const { npmOptions } = options
  const file = join(options.cacheDir, `feed-${sha256(url).slice(0, 32)}.json`)
  const cached = await readEntry(file, url)

  const isFresh = cached !== null && now().getTime() - Date.parse(cached.fetchedAt) < options.maxAgeMs
  if (cached !== null && !npmOptions.preferOnline && (isFresh || npmOptions.preferOffline)) {
    return { body: cached.body, fromCache: true, fetchedAt: new Date(cached.fetchedAt), stale: false }
  }

  const headers: Record<string, string> = {}
  if (cached?.etag != null) headers['if-none-match'] = cached.etag
  if (cached?.lastModified != null) headers['if-modified-since'] = cached.lastModified

  let response: HttpAnswer
  let body: string
  try {
    response = await thirdPartyRequest(url, npmOptions, { headers })
    // A redirect must not lead a feed where it could not be fetched from directly.
    requireSecureUrl(response.url)
    body = response.status === 304 ? '' : await response.text()
  } catch (error) {
    if (isIntelError(error, 'EINSECUREURL')) throw error
    const status = (error as { statusCode?: number | null }).statusCode
    return staleOrFail(cached, typeof status === 'number' ? `${url} answered ${status}` : (error as Error).message, error)
  }

  if (response.status === 304 && cached !== null) {
    const refreshed = { ...cached, fetchedAt: now().toISOString() }
    await writeEntry(file, refreshed)
    return { body: cached.body, fromCache: true, fetchedAt: new Date(refreshed.fetchedAt), stale: false }
  }
  if (response.status < 200 || response.status >= 300) {
    return staleOrFail(cached, `${url} answered ${response.status}`)
  }

  const entry: CacheEntry = {
    format: ENTRY_FORMAT,
    url,
    fetchedAt: now().toISOString(),
    etag: response.header('etag'),
    lastModified: response.header('last-modified'),
    bodySha256: sha256(body),
    body,
  }
  await writeEntry(file, entry)
  return { body, fromCache: false, fetchedAt: new Date(entry.fetchedAt), stale: false }
}

function staleOrFail(cached: CacheEntry | null, reason: string, cause?: unknown): CachedFetchResult {
  if (cached === null) throw new IntelError('EFEEDUNREACHABLE', `${reason}, and no cached copy exists`, { cause })
  return { body: cached.body, fromCache: true, fetchedAt: new Date(cached.fetchedAt), stale: true, staleReason: reason }
}

/** The cached entry, or null when there is none or it cannot be trusted (then it is removed). */
async function readEntry(file: string, url: string): Promise<CacheEntry | null> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch {
    return null
  }
  try {
    const entry = JSON.parse(text) as unknown
    if (isCacheEntry(entry) && entry.url === url && sha256(entry.body) === entry.bodySha256) return entry
  } catch {
    // fall through: discard the unreadable entry
  }
  await rm(file, { force: true })
  return null
}

function isCacheEntry(value: unknown): value is CacheEntry {
  if (typeof value !== 'object' || value === null) return false
  const entry = value as Partial<CacheEntry>
  return entry.format === ENTRY_FORMAT &&
    typeof entry.url === 'string' &&
    typeof entry.fetchedAt === 'string' && !Number.isNaN(Date.parse(entry.fetchedAt)) &&
    (entry.etag === null || typeof entry.etag === 'string') &&
    (entry.lastModified === null || typeof entry.lastModified === 'string') &&
    typeof entry.bodySha256 === 'string' &&
    typeof entry.body === 'string'
}

/** Written atomically (a temporary file renamed into place), so a reader never sees half an entry. */
async function writeEntry(file: string, entry: CacheEntry): Promise<void> {
  await mkdir(join(file, '..'), { recursive: true })
  await writeFileAtomic(file, JSON.stringify(entry))
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}
