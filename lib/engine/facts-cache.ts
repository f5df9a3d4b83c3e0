// A small on-disk summary of each packument (publish times, publishers,
// install scripts, provenance flags, published integrities), so a lockfile
// install does not parse every full packument again: npm's cache holds 121
// MiB of JSON for a 1,000-package app; the summaries are about 10 MiB, two
// thirds of it the integrity strings (67,000 versions: each must be comparable
// with any lockfile). A version's publish facts never change, so a summary
// that lists the version answers for it; the summary is refreshed after
// maxAge for what can change (deprecation, tags).
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { INSTALL_SCRIPT_NAMES } from '../heuristics/version-signals.js'
import type { VersionFacts } from '../model/rule.js'
import type { PackumentSummary } from '../npm/packument-facts.js'
import { writeCacheFile } from '../model/cache-file.js'

// 2: versions carry the registry's integrity (`i`); a format-1 file lacks it and is refetched.
// 3: dependency names (`n`) and maintainers (`m`), written only where they differ from the version before.
const FORMAT = 3

interface StoredVersion {
  v: string
  t: number | null
  p: string | null
  s?: Record<string, string>
  a?: 1
  o?: 1
  d?: string
  x?: string
  i?: string
  /** Dependency names joined by commas (npm names have none); null: unknown; absent: as the version before. */
  n?: string | null
  /** Maintainer names joined by commas; null: unknown; absent: as the version before. */
  m?: string | null
}

interface StoredSummary {
  format: number
  name: string
  storedAt: number
  modified: string | null
  distTags: Record<string, string>
  versions: StoredVersion[]
  /** sha256 of the versions as stored: a damaged file is refetched, never trusted. */
  checksum: string
}

// What a stored file must look like before anything in it is used: a file
// edited by hand (or by another program) could otherwise hand the rules an
// object where a string belongs. The value schemas are the registry boundary's.
// Built on the first read (zod loads only when facts are read from disk).
async function buildSchemas() {
  const { z } = await import('zod')
  const { installScriptsSchema } = await import('../npm/registry-schemas.js')
  const storedVersionSchema = z.object({
    v: z.string(),
    // Within the range a Date can hold, so no rule meets an Invalid Date.
    t: z.number().min(-8.64e15).max(8.64e15).nullable(),
    p: z.string().nullable(),
    s: installScriptsSchema.optional(),
    a: z.literal(1).optional(),
    o: z.literal(1).optional(),
    d: z.string().min(1).optional(),
    x: z.string().optional(),
    i: z.string().min(1).optional(),
    n: z.string().nullable().optional(),
    m: z.string().nullable().optional(),
  })
  const storedSummarySchema = z.object({
    format: z.literal(FORMAT),
    name: z.string(),
    storedAt: z.number().finite(),
    modified: z.string().nullable(),
    distTags: z.record(z.string(), z.string()).optional(),
    versions: z.array(storedVersionSchema),
    checksum: z.string(),
  })
  // For files whose versions passed the plain checks below: only the envelope is left to check.
  const storedEnvelopeSchema = storedSummarySchema.extend({ versions: z.array(z.unknown()) })
  return { storedSummarySchema, storedEnvelopeSchema }
}

let schemas: ReturnType<typeof buildSchemas> | undefined

// Most summaries hold hundreds of versions, and zod copies every one while
// checking it; an entry these plain checks accept is one the schema accepts
// unchanged (no key it would strip, nothing it would convert), so it is used
// as read. Anything else goes through the schema.
const SCRIPT_KEYS = new Set<string>(INSTALL_SCRIPT_NAMES)
const isScripts = (value: any): boolean =>
  value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).every((key) => SCRIPT_KEYS.has(key) && typeof value[key] === 'string')
const STORED_KEYS = new Set(['v', 't', 'p', 's', 'a', 'o', 'd', 'x', 'i', 'n', 'm'])
const isListOrNull = (value: unknown): boolean => value === undefined || value === null || typeof value === 'string'
function isPlainStoredVersion(entry: any): entry is StoredVersion {
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) return false
  for (const key in entry) if (!STORED_KEYS.has(key)) return false
  return (
    typeof entry.v === 'string' &&
    (entry.t === null || (typeof entry.t === 'number' && entry.t >= -8.64e15 && entry.t <= 8.64e15)) &&
    (entry.p === null || typeof entry.p === 'string') &&
    (entry.s === undefined || isScripts(entry.s)) &&
    (entry.a === undefined || entry.a === 1) &&
    (entry.o === undefined || entry.o === 1) &&
    (entry.d === undefined || (typeof entry.d === 'string' && entry.d.length > 0)) &&
    (entry.x === undefined || typeof entry.x === 'string') &&
    (entry.i === undefined || (typeof entry.i === 'string' && entry.i.length > 0)) &&
    isListOrNull(entry.n) &&
    isListOrNull(entry.m)
  )
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex')
const checksum = (versions: StoredVersion[]): string => sha256(JSON.stringify(versions))

const joined = (names: string[] | undefined): string | null => (names ? names.join(',') : null)
const split = (list: string | null): string[] | undefined => (list === null ? undefined : list === '' ? [] : list.split(','))

/** Dependency names and maintainers, only where they differ from the version stored before (most versions repeat them). */
function storeLists(versions: VersionFacts[]): StoredVersion[] {
  let previous: { n: string | null; m: string | null } = { n: null, m: null }
  return versions.map((facts) => {
    const lists = { n: joined(facts.dependencies), m: joined(facts.maintainers) }
    const entry = store(facts)
    if (lists.n !== previous.n) entry.n = lists.n
    if (lists.m !== previous.m) entry.m = lists.m
    previous = lists
    return entry
  })
}

/** The versions as loaded, each list shared with the version before when it was stored as "the same". */
function loadLists(stored: StoredVersion[]): VersionFacts[] {
  let dependencies: string[] | undefined
  let maintainers: string[] | undefined
  return stored.map((entry) => {
    if (entry.n !== undefined) dependencies = split(entry.n)
    if (entry.m !== undefined) maintainers = split(entry.m)
    return { ...load(entry), ...(dependencies ? { dependencies } : {}), ...(maintainers ? { maintainers } : {}) }
  })
}

function store(facts: VersionFacts): StoredVersion {
  const scripts = facts.scripts
  return {
    v: facts.version,
    t: facts.publishedAt?.getTime() ?? null,
    p: facts.publisher,
    ...(Object.keys(scripts).length > 0 ? { s: scripts } : {}),
    ...(facts.hasProvenance ? { a: 1 as const } : {}),
    ...(facts.hasTrustedPublisher ? { o: 1 as const } : {}),
    ...(facts.deprecated ? { d: facts.deprecated } : {}),
    ...(facts.description && /security/i.test(facts.description) ? { x: facts.description } : {}),
    // Only the integrity string: the rest of `dist` (tarball URL, signatures, file counts) is not a fact any rule reads.
    ...(facts.integrity ? { i: facts.integrity } : {}),
  }
}

function load(stored: StoredVersion): VersionFacts {
  return {
    version: stored.v,
    publishedAt: stored.t === null ? null : new Date(stored.t),
    publisher: stored.p,
    scripts: stored.s ?? {},
    hasProvenance: stored.a === 1,
    hasTrustedPublisher: stored.o === 1,
    deprecated: stored.d ?? null,
    description: stored.x ?? null,
    integrity: stored.i ?? null,
  }
}

export class FactsCache {
  readonly #dir: string
  readonly #maxAgeMs: number
  #oldestRead: number | null = null

  constructor(dir: string, maxAgeMs: number) {
    this.#dir = dir
    this.#maxAgeMs = maxAgeMs
  }

  #file(name: string): string {
    return path.join(this.#dir, `${createHash('sha256').update(name).digest('hex').slice(0, 40)}.json`)
  }

  /** The stored summary when it is intact and younger than maxAge (of any age with `anyAge`, as `--offline` reads); null otherwise (never an error). */
  async read(name: string, now: number, anyAge = false): Promise<PackumentSummary | null> {
    let stored: StoredSummary
    try {
      const raw = JSON.parse(await readFile(this.#file(name), 'utf8'))
      const isPlain = Array.isArray(raw?.versions) && raw.versions.every(isPlainStoredVersion)
      const { storedSummarySchema, storedEnvelopeSchema } = await (schemas ??= buildSchemas())
      const parsed = isPlain ? storedEnvelopeSchema.safeParse(raw) : storedSummarySchema.safeParse(raw)
      // The checksum is over the versions as written, before parsing dropped anything.
      if (!parsed.success || parsed.data.checksum !== checksum(raw.versions)) return null
      stored = (isPlain ? { ...parsed.data, versions: raw.versions } : parsed.data) as StoredSummary
    } catch {
      return null
    }
    if (stored.name !== name || (!anyAge && now - stored.storedAt > this.#maxAgeMs)) return null
    this.#oldestRead = Math.min(this.#oldestRead ?? stored.storedAt, stored.storedAt)
    const versions = loadLists(stored.versions)
    return {
      name,
      modified: stored.modified,
      distTags: stored.distTags ?? {},
      versions,
      byVersion: new Map(versions.map((entry) => [entry.version, entry])),
      problems: [],
    }
  }

  /** When the oldest summary this cache answered with was stored (null: none read): a judgement made from them is as old. */
  get oldestRead(): number | null {
    return this.#oldestRead
  }

  /** The folder the summaries are in (a fetch job on another thread writes what it fetched there: fetch-jobs.ts). */
  get folder(): string {
    return this.#dir
  }

  /** Best effort: a cache that cannot be written only costs speed next time. */
  async write(summary: PackumentSummary, now: number): Promise<void> {
    // The versions are serialised once, for the file and for its checksum (a thousand summaries in a cold run).
    const versions = JSON.stringify(storeLists(summary.versions))
    const stored: Omit<StoredSummary, 'versions' | 'checksum'> = { format: FORMAT, name: summary.name, storedAt: now, modified: summary.modified, distTags: summary.distTags }
    const text = `${JSON.stringify(stored).slice(0, -1)},"versions":${versions},"checksum":"${sha256(versions)}"}`
    try {
      // Atomic so a reader never sees half a summary; no fsync, since a summary
      // lost or damaged in a crash is only fetched again (the checksum catches it).
      await writeCacheFile(this.#file(summary.name), text)
    } catch {
      // read-only cache directory: facts are fetched again next time
    }
  }
}
