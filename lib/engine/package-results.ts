// What each package of the last tree judged was found to be, kept beside the
// verdicts (`_safe-npm/verdicts/<base>.packages.json`), so a tree that differs
// from it in a few packages (`safe-npm install kleur` on an installed tree)
// judges only those: the others' rule results, script decisions and validity
// are taken from the file, and their facts are not read. One file per
// verdictBase (policy, command, context, rules and build alike), holding the
// packages of the last tree judged under it.
//
// A package's stored result answers only when all it was judged from is the
// same (the same reasoning as a whole verdict, verdict-cache.ts):
//   - its key: the base, its own view, the views of the packages its
//     dependencies resolved to (the takeover rule looks at a new dependency's
//     install scripts and age), and whether it was typed on the command line;
//   - what the malware feeds say now about its name@version (and the version
//     it replaces);
//   - the clock: its own validity (the facts' maxAge, its version crossing the
//     age limit, an exception expiring);
//   - the tarball: a result made without reading the tarball does not answer
//     when reify will unpack it (its package.json is then read and judged).
// Only the packages of trees that block nothing, with every fact known and
// every feed read, are stored (where a verdict is).
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { isTypedOnCommandLine } from '../model/package-pattern.js'
import type { PackageView, RawFinding } from '../model/rule.js'
import { writeCacheFile } from '../model/cache-file.js'
import { pruneOldest, type IntelAnswer, type ScriptDecision } from './verdict-cache.js'

const FORMAT = 1
/** Files kept at most (one per base); the least recently written go first. */
const KEEP = 32

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

export interface PackageResult {
  /** The result stops answering at this time (ms since the epoch). */
  validUntil: number
  /** packageIntel() when it was judged. */
  intel: string
  /** Its tarball's package.json was read and judged. */
  tarballRead: boolean
  /** What the policy decided about its install scripts; null: it has none. */
  script: ScriptDecision | null
  /** Rule id → what the rule reported about it; rules that reported nothing are left out. */
  results: Record<string, RawFinding[]>
}

interface StoredFile {
  format: number
  base: string
  /** sha256 of `packages` as written: a damaged file is judged afresh, never trusted. */
  checksum: string
  packages: Record<string, PackageResult>
}

/** The key of each package's result (by location), under a verdictBase(). */
export function packageKeys(base: string, packages: PackageView[], requestedOnCommandLine: string[]): Map<string, string> {
  const viewHash = new Map(packages.map((pkg) => [pkg.location, sha256(JSON.stringify(pkg))]))
  const keys = new Map<string, string>()
  for (const pkg of packages) {
    const dependencies = Object.entries(pkg.dependencyLocations ?? {}).map(([name, location]) => `${name}=${viewHash.get(location) ?? '-'}`)
    keys.set(pkg.location, sha256([base, viewHash.get(pkg.location), isTypedOnCommandLine(pkg, requestedOnCommandLine) ? 'typed' : '', ...dependencies].join('\n')))
  }
  return keys
}

/** What the feeds say about this package, as one string (compared, never parsed). */
export function packageIntel(pkg: PackageView, intel: IntelAnswer): string {
  const replaced = pkg.replacesVersion ? intel.advisories.get(`${pkg.name}@${pkg.replacesVersion}`) ?? null : null
  return JSON.stringify([intel.advisories.get(`${pkg.name}@${pkg.version}`) ?? null, replaced])
}

export class PackageResults {
  readonly #dir: string

  constructor(dir: string) {
    this.#dir = dir
  }

  #file(base: string): string {
    return path.join(this.#dir, `${base}.packages.json`)
  }

  /** The stored results under this base, by package key, when the file is intact; an empty map otherwise (never an error). */
  async read(base: string): Promise<Map<string, PackageResult>> {
    try {
      const stored = JSON.parse(await readFile(this.#file(base), 'utf8')) as StoredFile
      if (stored?.format !== FORMAT || stored.base !== base || stored.checksum !== sha256(JSON.stringify(stored.packages))) return new Map()
      return new Map(Object.entries(stored.packages))
    } catch {
      return new Map()
    }
  }

  /** Best effort: results that cannot be written only cost a judgement next time. */
  async write(base: string, packages: Record<string, PackageResult>): Promise<void> {
    const stored: StoredFile = { format: FORMAT, base, checksum: sha256(JSON.stringify(packages)), packages }
    try {
      await writeCacheFile(this.#file(base), JSON.stringify(stored))
      await this.#prune()
    } catch {
      // read-only cache directory: judged again next time
    }
  }

  async #prune(): Promise<void> {
    await pruneOldest(this.#dir, /^[0-9a-f]{64}\.packages\.json$/, KEEP)
  }
}
