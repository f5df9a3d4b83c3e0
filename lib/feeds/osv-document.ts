// Reads OSV-schema documents (https://ossf.github.io/osv-schema/) as published
// by the OpenSSF malicious-packages repository, osv.dev and the GitHub
// advisory database, keeping what a malware check needs for npm packages.

import { IntelError } from './errors.js'
import { requireCommonJs } from '../model/commonjs.js'

const semver: typeof import('semver') = requireCommonJs('semver')

export type OsvRangeType = 'SEMVER' | 'ECOSYSTEM'

export interface OsvRangeEvent {
  introduced?: string
  fixed?: string
  last_affected?: string
}

export interface OsvRange {
  type: OsvRangeType
  events: OsvRangeEvent[]
}

/** One affected npm package of one OSV document. */
export interface OsvEntry {
  /** `MAL-2025-20690`, `GHSA-…`; for unnumbered OpenSSF drafts the first alias or the file name. */
  id: string
  aliases: string[]
  summary: string | null
  /** The affected npm package. */
  name: string
  /** Explicitly listed affected versions. */
  versions: string[]
  /** SEMVER/ECOSYSTEM ranges; `introduced: "0"` with nothing after it means every version. */
  ranges: OsvRange[]
  /** Reported as malicious code, not as an ordinary vulnerability. */
  isMalware: boolean
  /** Set when the report was retracted; a withdrawn entry blocks nothing. */
  withdrawn: string | null
  modified: string | null
  /** Where the document came from (file path or URL). */
  source: string
}

const MALWARE_CWE = 'CWE-506'

/**
 * The npm entries of one OSV document. Throws an EOSVPARSE error naming
 * `source` and the offending field when the document is not OSV-shaped.
 */
export function parseOsvDocument(json: unknown, source: string): OsvEntry[] {
  const fail = (path: string, expected: string): never => {
    throw new IntelError('EOSVPARSE', `${source}: ${path}: expected ${expected}`)
  }
  const document = requireObject(json, '(document)', fail)
  const id = optionalString(document.id, 'id', fail) ?? ''
  const aliases = optionalStringArray(document.aliases, 'aliases', fail) ?? []
  const summary = optionalString(document.summary, 'summary', fail)
  const withdrawn = optionalString(document.withdrawn, 'withdrawn', fail)
  const modified = optionalString(document.modified, 'modified', fail)
  if (document.affected !== undefined && !Array.isArray(document.affected)) fail('affected', 'an array')
  const affected = (document.affected ?? []) as unknown[]
  const databaseSpecific = document.database_specific
  const isMalwareDocument = id.startsWith('MAL-') ||
    (isObject(databaseSpecific) && 'malicious-packages-origins' in databaseSpecific) ||
    hasMalwareSummary(summary) ||
    hasMalwareCwe(databaseSpecific)

  const entries: OsvEntry[] = []
  affected.forEach((item, index) => {
    const path = `affected[${index}]`
    const affectedPackage = requireObject(item, path, fail)
    if (affectedPackage.package === undefined) return // git-only entries name no package
    const packageInfo = requireObject(affectedPackage.package, `${path}.package`, fail)
    const ecosystem = optionalString(packageInfo.ecosystem, `${path}.package.ecosystem`, fail)
    const name = optionalString(packageInfo.name, `${path}.package.name`, fail)
    if (ecosystem !== 'npm') return
    if (name === null || name === '') return fail(`${path}.package.name`, 'a package name')
    entries.push({
      id: id !== '' ? id : aliases[0] ?? fileStem(source),
      aliases,
      summary,
      name,
      versions: optionalStringArray(affectedPackage.versions, `${path}.versions`, fail) ?? [],
      ranges: parseRanges(affectedPackage.ranges, `${path}.ranges`, fail),
      isMalware: isMalwareDocument || hasMalwareCwe(affectedPackage.database_specific),
      withdrawn,
      modified,
      source,
    })
  })
  return entries
}

/** True when `version` is listed by the entry or falls in one of its ranges. */
export function isVersionAffected(entry: Pick<OsvEntry, 'versions' | 'ranges'>, version: string): boolean {
  if (entry.versions.includes(version)) return true
  const cleaned = semver.valid(version)
  if (cleaned !== null && cleaned !== version && entry.versions.includes(cleaned)) return true
  return entry.ranges.some((range) => isInRange(range, cleaned))
}

/** OSV's evaluation: walk the sorted events, switching "affected" on at introduced and off after fixed/last_affected. */
function isInRange(range: OsvRange, version: string | null): boolean {
  if (isEveryVersion(range)) return true
  if (version === null) return false
  let affected = false
  for (const event of sortedEvents(range.events)) {
    if (event.introduced !== undefined) {
      if (event.introduced === '0' || semver.gte(version, event.introduced)) affected = true
    } else if (event.fixed !== undefined) {
      if (semver.gte(version, event.fixed)) affected = false
    } else if (event.last_affected !== undefined) {
      if (semver.gt(version, event.last_affected)) affected = false
    }
  }
  return affected
}

function isEveryVersion(range: OsvRange): boolean {
  return range.events.some((event) => event.introduced === '0') &&
    range.events.every((event) => event.introduced !== undefined)
}

function eventVersion(event: OsvRangeEvent): string {
  const version = event.introduced ?? event.fixed ?? event.last_affected ?? '0'
  return version === '0' ? '0.0.0-0' : version
}

/** Events in version order; events with versions semver cannot read are dropped. */
function sortedEvents(events: OsvRangeEvent[]): OsvRangeEvent[] {
  return events
    .filter((event) => semver.valid(eventVersion(event)) !== null)
    .sort((a, b) => semver.compare(eventVersion(a), eventVersion(b)))
}

function parseRanges(value: unknown, path: string, fail: Fail): OsvRange[] {
  if (value === undefined) return []
  if (!Array.isArray(value)) return fail(path, 'an array')
  const ranges: OsvRange[] = []
  value.forEach((item, index) => {
    const rangePath = `${path}[${index}]`
    const range = requireObject(item, rangePath, fail)
    const type = optionalString(range.type, `${rangePath}.type`, fail)
    if (!Array.isArray(range.events)) return fail(`${rangePath}.events`, 'an array')
    const events = range.events.map((event, eventIndex) => parseEvent(event, `${rangePath}.events[${eventIndex}]`, fail))
    // GIT ranges name commits, which say nothing about registry versions.
    if (type === 'SEMVER' || type === 'ECOSYSTEM') ranges.push({ type, events })
  })
  return ranges
}

function parseEvent(value: unknown, path: string, fail: Fail): OsvRangeEvent {
  const event = requireObject(value, path, fail)
  const parsed: OsvRangeEvent = {}
  for (const key of ['introduced', 'fixed', 'last_affected'] as const) {
    const version = optionalString(event[key], `${path}.${key}`, fail)
    if (version !== null) parsed[key] = version
  }
  return parsed
}

function hasMalwareSummary(summary: string | null): boolean {
  return summary !== null && /^(malicious code in|malware in)\b/i.test(summary.trim())
}

/** GitHub advisories carry CWE-506 (Embedded Malicious Code) as `cwe_ids` or `cwes`. */
function hasMalwareCwe(databaseSpecific: unknown): boolean {
  if (!isObject(databaseSpecific)) return false
  const { cwe_ids: cweIds, cwes } = databaseSpecific
  if (Array.isArray(cweIds) && cweIds.includes(MALWARE_CWE)) return true
  return Array.isArray(cwes) && cwes.some((cwe) => isObject(cwe) && cwe.cweId === MALWARE_CWE)
}

type Fail = (path: string, expected: string) => never

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function requireObject(value: unknown, path: string, fail: Fail): Record<string, unknown> {
  return isObject(value) ? value : fail(path, 'an object')
}

function optionalString(value: unknown, path: string, fail: Fail): string | null {
  if (value === undefined || value === null) return null
  return typeof value === 'string' ? value : fail(path, 'a string')
}

function optionalStringArray(value: unknown, path: string, fail: Fail): string[] | null {
  if (value === undefined || value === null) return null
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) return fail(path, 'an array of strings')
  return value as string[]
}

function fileStem(source: string): string {
  return source.split(/[\\/]/).pop()?.replace(/\.json$/i, '') ?? source
}
