// Asks the OSV API (https://google.github.io/osv.dev/api/) which of a set of
// npm package versions are reported as malware. Requests go out the way npm
// sends its own (proxy, CA, fetch-timeout), never with registry credentials.

import { thirdPartyRequest, type NpmOptions } from '../npm/registry-fetch.js'
import { IntelError, isIntelError } from './errors.js'
import { parseOsvDocument, type OsvEntry } from './osv-document.js'
import { requireSecureUrl } from './secure-url.js'

export interface PackageVersion {
  name: string
  version: string
}

export interface OsvQueryOptions {
  /** The API root, like `https://api.osv.dev`; plain http only on loopback. */
  baseUrl: string
  /** npm's flat options (proxy, CA, strict-ssl, fetch-timeout, fetch-retries, offline…). */
  npmOptions: NpmOptions
  /** Queries per querybatch request; the API accepts at most 1000. */
  chunkSize?: number
  /** Detail requests in flight at once. */
  concurrency?: number
}

/** One JSON request to the API. */
type RequestJson = (url: string, init: { method: 'GET' | 'POST', body?: unknown }) => Promise<unknown>

const MAX_CHUNK = 1000
const DEFAULT_CONCURRENCY = 8

interface Query {
  package: { name: string, ecosystem: 'npm' }
  version: string
  page_token?: string
}

/**
 * Malware ids per `name@version` for the packages that have any; a package
 * absent from the map has none. Details are fetched only where they matter:
 * for MAL- ids (malware by definition, unless the report was withdrawn; if
 * the detail cannot be read the id still counts) and for GHSA ids (GitHub
 * advisories hold both malware and ordinary vulnerabilities). CVE and other
 * ids are not malware reports and are not fetched.
 * Any other failure throws (EOSVQUERY, EINSECUREURL): an unanswered question
 * is never taken for a clean answer.
 */
export async function queryOsvBatch(packages: PackageVersion[], options: OsvQueryOptions): Promise<Map<string, string[]>> {
  const base = requireSecureUrl(options.baseUrl)
  const ask: RequestJson = (url, init) => requestJson(options.npmOptions, url, init)
  const chunkSize = Math.max(1, Math.min(options.chunkSize ?? MAX_CHUNK, MAX_CHUNK))
  const apiUrl = (path: string): string => new URL(path, base.href.endsWith('/') ? base.href : `${base.href}/`).href

  const idsByPackage = new Map<string, Set<string>>()
  const unique = uniquePackages(packages)
  for (let start = 0; start < unique.length; start += chunkSize) {
    const chunk = unique.slice(start, start + chunkSize)
    for (const [key, ids] of await queryChunk(chunk, apiUrl('v1/querybatch'), ask)) {
      if (ids.size > 0) idsByPackage.set(key, ids)
    }
  }

  const allIds = new Set([...idsByPackage.values()].flatMap((ids) => [...ids]))
  const malwareIds = await classifyIds([...allIds], (id) => apiUrl(`v1/vulns/${encodeURIComponent(id)}`), ask, options.concurrency ?? DEFAULT_CONCURRENCY)

  const result = new Map<string, string[]>()
  for (const [key, ids] of idsByPackage) {
    const malware = [...ids].filter((id) => malwareIds.has(id)).sort()
    if (malware.length > 0) result.set(key, malware)
  }
  return result
}

/** One advisory about a version, with the versions its ranges name as fixed (what a security fix must be). */
export interface OsvFix {
  id: string
  summary: string | null
  isMalware: boolean
  fixed: string[]
}

/**
 * Every advisory (malware or not) the API has for each of these versions, with
 * the `fixed` versions of its ranges for that package: what lets the version
 * that replaces a vulnerable one through the age gate. Failures throw, as for queryOsvBatch.
 */
export async function queryOsvFixes(packages: PackageVersion[], options: OsvQueryOptions): Promise<Map<string, OsvFix[]>> {
  const base = requireSecureUrl(options.baseUrl)
  const ask: RequestJson = (url, init) => requestJson(options.npmOptions, url, init)
  const apiUrl = (path: string): string => new URL(path, base.href.endsWith('/') ? base.href : `${base.href}/`).href
  const unique = uniquePackages(packages)
  const idsByPackage = new Map<string, Set<string>>()
  for (let start = 0; start < unique.length; start += MAX_CHUNK) {
    for (const [key, ids] of await queryChunk(unique.slice(start, start + MAX_CHUNK), apiUrl('v1/querybatch'), ask)) idsByPackage.set(key, ids)
  }
  const details = new Map<string, OsvEntry[]>()
  for (const id of new Set([...idsByPackage.values()].flatMap((ids) => [...ids]))) {
    const url = apiUrl(`v1/vulns/${encodeURIComponent(id)}`)
    details.set(id, parseDetails(await ask(url, { method: 'GET' }), url))
  }
  const result = new Map<string, OsvFix[]>()
  for (const item of unique) {
    const fixes: OsvFix[] = []
    for (const id of idsByPackage.get(packageKey(item)) ?? []) {
      const entries = (details.get(id) ?? []).filter((entry) => entry.name === item.name && entry.withdrawn === null)
      if (entries.length === 0) continue
      const fixed = [...new Set(entries.flatMap((entry) => entry.ranges.flatMap((range) => range.events.flatMap((event) => (event.fixed ? [event.fixed] : [])))))]
      fixes.push({ id, summary: entries[0].summary, isMalware: entries.some((entry) => entry.isMalware), fixed })
    }
    result.set(packageKey(item), fixes)
  }
  return result
}

export function packageKey({ name, version }: PackageVersion): string {
  return `${name}@${version}`
}

function uniquePackages(packages: PackageVersion[]): PackageVersion[] {
  const seen = new Map<string, PackageVersion>()
  for (const item of packages) seen.set(packageKey(item), { name: item.name, version: item.version })
  return [...seen.values()]
}

/** Runs one querybatch chunk, following each query's `next_page_token` until it runs out. */
async function queryChunk(chunk: PackageVersion[], url: string, ask: RequestJson): Promise<Map<string, Set<string>>> {
  const ids = new Map(chunk.map((item) => [packageKey(item), new Set<string>()]))
  let pending: Query[] = chunk.map((item) => ({ package: { name: item.name, ecosystem: 'npm' }, version: item.version }))
  while (pending.length > 0) {
    const answer = await ask(url, { method: 'POST', body: { queries: pending } })
    const results = readBatchResults(answer, pending.length, url)
    const next: Query[] = []
    results.forEach((result, index) => {
      const query = pending[index]
      const known = ids.get(packageKey({ name: query.package.name, version: query.version })) as Set<string>
      for (const vuln of result.vulns) known.add(vuln.id)
      if (result.next_page_token !== undefined) next.push({ ...query, page_token: result.next_page_token })
    })
    pending = next
  }
  return ids
}

interface BatchResult {
  vulns: Array<{ id: string }>
  next_page_token?: string
}

function readBatchResults(answer: unknown, expected: number, url: string): BatchResult[] {
  const fail = (what: string): never => {
    throw new IntelError('EOSVQUERY', `${url}: unexpected answer: ${what}`)
  }
  const results = (answer as { results?: unknown })?.results
  if (!Array.isArray(results)) return fail('no results array')
  if (results.length !== expected) return fail(`${results.length} results for ${expected} queries`)
  return results.map((result: unknown, index) => {
    if (typeof result !== 'object' || result === null) return fail(`results[${index}] is not an object`)
    const { vulns = [], next_page_token: token } = result as { vulns?: unknown, next_page_token?: unknown }
    if (!Array.isArray(vulns) || !vulns.every((vuln) => typeof vuln?.id === 'string')) return fail(`results[${index}].vulns`)
    if (token !== undefined && (typeof token !== 'string' || token === '')) return fail(`results[${index}].next_page_token`)
    return { vulns, next_page_token: token as string | undefined }
  })
}

/** The ids among `ids` that name malware. */
async function classifyIds(ids: string[], detailUrl: (id: string) => string, ask: RequestJson, concurrency: number): Promise<Set<string>> {
  const malware = new Set<string>()
  const toFetch = ids.filter((id) => isMalwareId(id) || isAdvisoryId(id))
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < toFetch.length) {
      const id = toFetch[next++]
      if (await isMalwareReport(id, detailUrl(id), ask)) malware.add(id)
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, toFetch.length) }, worker))
  return malware
}

async function isMalwareReport(id: string, url: string, ask: RequestJson): Promise<boolean> {
  let entries: OsvEntry[]
  try {
    entries = parseDetails(await ask(url, { method: 'GET' }), url)
  } catch (error) {
    // A MAL- id is a malware report whatever its details say; only a withdrawal could clear it.
    if (isMalwareId(id)) return true
    throw error
  }
  if (entries.some((entry) => entry.withdrawn !== null)) return false
  return isMalwareId(id) || entries.some((entry) => entry.isMalware)
}

function isMalwareId(id: string): boolean {
  return id.startsWith('MAL-')
}

/** GitHub advisories hold both malware and ordinary vulnerabilities. */
function isAdvisoryId(id: string): boolean {
  return id.startsWith('GHSA-')
}

function parseDetails(document: unknown, url: string): OsvEntry[] {
  try {
    return parseOsvDocument(document, url)
  } catch (error) {
    throw new IntelError('EOSVQUERY', `${url}: ${(error as Error).message}`, { cause: error })
  }
}

async function requestJson(npmOptions: NpmOptions, url: string, init: { method: 'GET' | 'POST', body?: unknown }): Promise<unknown> {
  let text: string
  try {
    const answer = await thirdPartyRequest(url, npmOptions, { method: init.method, json: init.body, headers: { accept: 'application/json' } })
    // A redirect must not lead the query where it could not be sent directly.
    requireSecureUrl(answer.url)
    if (answer.status < 200 || answer.status >= 300) throw new IntelError('EOSVQUERY', `${init.method} ${url} answered ${answer.status}`)
    text = await answer.text()
  } catch (error) {
    if (isIntelError(error)) throw error
    throw new IntelError('EOSVQUERY', (error as Error).message, { cause: error })
  }
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new IntelError('EOSVQUERY', `${init.method} ${url}: the answer is not JSON`, { cause: error })
  }
}
