// Facts read from full packuments, kept small: Arborist's packument cache is
// an LRU that may drop entries, so a summary is taken the moment pacote
// stores a full packument, and the packument itself can go.
import { INSTALL_SCRIPT_NAMES } from '../heuristics/version-signals.js'
import type { VersionFacts } from '../model/rule.js'
import { isPlainPackument, type Checked } from './registry-data.js'
import type { CheckedPackument } from './registry-schemas.js'
import { requireCommonJs } from '../model/commonjs.js'

const PackumentCache: typeof import('@npmcli/arborist/lib/packument-cache.js') = requireCommonJs('@npmcli/arborist/lib/packument-cache.js')

// The packument schema (and zod) is loaded with the first packument to summarise, not at startup.
let schemas: typeof import('./registry-schemas.js') | undefined
const loadSchemas = async () => {
  schemas ??= await import('./registry-schemas.js')
  return schemas
}

export interface PackumentSummary {
  name: string
  modified: string | null
  distTags: Record<string, string>
  /** Every version, oldest first by publish time (unknown times last). */
  versions: VersionFacts[]
  byVersion: Map<string, VersionFacts>
  /**
   * Fields of the packument that had the wrong shape and were dropped
   * (`versions["1.0.0"]._npmUser.name: expected a string, got an object`):
   * the package is unverifiable when there are any. Never stored.
   */
  problems: string[]
}

type CheckedManifest = CheckedPackument['versions'][string]

/** Only install-time scripts are facts a rule uses; the rest would cost memory for nothing. */
function installScriptsOf(manifest: CheckedManifest): Record<string, string> {
  const scripts: Record<string, string> = {}
  for (const event of INSTALL_SCRIPT_NAMES) {
    const command = manifest.scripts?.[event]
    if (command !== undefined) scripts[event] = command
  }
  return scripts
}

/**
 * The integrity the registry published for a version's tarball, as pacote
 * reads it: `dist.integrity`, else the sha1 `dist.shasum` (old publishes)
 * written as an integrity; null when there is neither.
 */
function integrityOf(manifest: CheckedManifest): string | null {
  const integrity = manifest.dist?.integrity?.trim()
  if (integrity) return integrity
  const shasum = manifest.dist?.shasum?.trim()
  return shasum && /^[0-9a-f]{40}$/i.test(shasum) ? `sha1-${Buffer.from(shasum, 'hex').toString('base64')}` : null
}

const isPlainObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value)

/**
 * One array per distinct list within a packument: consecutive versions mostly
 * share their dependency names and maintainers, so the summary holds each list once.
 */
class ListInterner {
  private readonly lists = new Map<string, string[]>()
  intern(names: string[]): string[] {
    const key = names.join(',')
    let list = this.lists.get(key)
    if (!list) {
      list = names
      this.lists.set(key, list)
    }
    return list
  }
}

/** The names of a version's dependencies and optionalDependencies, sorted; undefined when either is not an object. */
function dependencyNamesOf(manifest: CheckedManifest): string[] | undefined {
  const names = new Set<string>()
  for (const map of [manifest.dependencies, manifest.optionalDependencies]) {
    if (map === undefined || map === null) continue
    if (!isPlainObject(map)) return undefined
    for (const name of Object.keys(map)) names.add(name)
  }
  return [...names].sort()
}

/** The maintainers' names a version lists (objects with a name, or npm's old `name <email>` strings), sorted; undefined when none are listed. */
function maintainerNamesOf(manifest: CheckedManifest): string[] | undefined {
  if (!Array.isArray(manifest.maintainers)) return undefined
  const names = new Set<string>()
  for (const entry of manifest.maintainers) {
    const name = typeof entry === 'string' ? entry.replace(/\s*<.*$/, '').trim() : isPlainObject(entry) && typeof entry.name === 'string' ? entry.name : ''
    if (name && !name.includes(',')) names.add(name)
  }
  return names.size > 0 ? [...names].sort() : undefined
}

/** The facts of a packument; throws EBADPACKUMENT when it is not one (no name or no versions). */
export async function summarisePackument(raw: unknown): Promise<PackumentSummary> {
  return isPlainPackument(raw) ? summariseChecked({ data: raw as CheckedPackument, problems: [] }) : summariseBySchema(await loadSchemas(), raw)
}

/** The summary through the packument schema alone: the reference the plain path is tested against. */
export function summariseBySchema(loaded: typeof import('./registry-schemas.js'), raw: unknown): PackumentSummary {
  return summariseChecked(loaded.checkPackument(raw))
}

function summariseChecked(checked: Checked<CheckedPackument> | null): PackumentSummary {
  if (!checked) {
    throw Object.assign(new Error('the registry answered with something that is not a packument'), { code: 'EBADPACKUMENT' })
  }
  const packument = checked.data
  const time = packument.time ?? {}
  const versions: VersionFacts[] = []
  const lists = new ListInterner()
  for (const [version, manifest] of Object.entries(packument.versions)) {
    const dependencies = dependencyNamesOf(manifest)
    const maintainers = maintainerNamesOf(manifest)
    const stamp = typeof time[version] === 'string' ? new Date(time[version] as string) : null
    versions.push({
      version,
      publishedAt: stamp && !Number.isNaN(stamp.getTime()) ? stamp : null,
      publisher: manifest._npmUser?.name ?? null,
      scripts: installScriptsOf(manifest),
      hasProvenance: Boolean(manifest.dist?.attestations?.provenance),
      hasTrustedPublisher: Boolean(manifest._npmUser?.trustedPublisher),
      deprecated: manifest.deprecated ? manifest.deprecated : null,
      description: typeof manifest.description === 'string' ? manifest.description : null,
      integrity: integrityOf(manifest),
      ...(dependencies ? { dependencies: lists.intern(dependencies) } : {}),
      ...(maintainers ? { maintainers: lists.intern(maintainers) } : {}),
    })
  }
  versions.sort((a, b) => (a.publishedAt?.getTime() ?? Infinity) - (b.publishedAt?.getTime() ?? Infinity))
  return {
    name: packument.name,
    modified: typeof time.modified === 'string' ? time.modified : packument.modified ?? null,
    distTags: packument['dist-tags'] ?? {},
    versions,
    byVersion: new Map(versions.map((facts) => [facts.version, facts])),
    problems: checked.problems,
  }
}

/**
 * A packument cache for Arborist and pacote that records a summary of every
 * full packument stored in it, so the guard reads facts Arborist already
 * fetched instead of asking the registry again.
 */
export class RecordingPackumentCache extends PackumentCache {
  readonly #summaries = new Map<string, PackumentSummary>()
  /** Packuments stored before the schema was loaded (for the few milliseconds it takes): summarised once it is. */
  #pending: unknown[] = []
  #loading: Promise<void> | null = null

  set(key: string, value: any, ...rest: unknown[]) {
    if (key.startsWith('full:') && value && typeof value === 'object') {
      if (isPlainPackument(value)) this.#record(() => summariseChecked({ data: value, problems: [] }))
      else if (schemas) this.#record(() => summariseBySchema(schemas!, value))
      else {
        this.#pending.push(value)
        this.#loading ??= loadSchemas().then((loaded) => {
          for (const raw of this.#pending) this.#record(() => summariseBySchema(loaded, raw))
          this.#pending = []
        })
      }
    }
    return super.set(key, value, ...rest)
  }

  #record(summarise: () => PackumentSummary): void {
    try {
      const summary = summarise()
      this.#summaries.set(summary.name, summary)
    } catch {
      // not a packument: the facts gatherer will fetch and report it
    }
  }

  /** The summaries of every full packument stored so far. */
  async summaries(): Promise<Map<string, PackumentSummary>> {
    await this.#loading
    return this.#summaries
  }
}
