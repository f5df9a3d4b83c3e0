// The judgement of an unchanged tree, kept beside npm's cache
// (`_safe-npm/verdicts/`), so running the same command again on the same
// tree (a no-op install, a CI job on a cached ~/.npm) skips gathering facts
// and running the rules. A stored verdict answers only when everything the
// judgement was made from is the same:
//   - the key: the package views the rules saw (name, version, resolved,
//     integrity, dependency path, scripts… of every node), the effective
//     policy and the context the engine gives the rules (registries, project,
//     allowScripts, policy files, packages named on the command line), the
//     command and its flags, the rule set, and safe-npm's own build;
//   - what the malware feeds say now: they are asked on every run, hit or not,
//     and their answer must be the one the verdict was made with;
//   - the clock: a verdict stops answering when a fact it relied on would be
//     refreshed (a stored packument summary reaches intel.maxAge), when a
//     version in it could change age (turns older than the age limit), and
//     when an exception of the policy expires;
//   - the tarballs: a verdict made without reading a tarball (a no-op) does not
//     answer for a run that unpacks it.
// Only verdicts that block nothing, with every fact known and every feed read,
// are stored: a block, an unknown or an unread feed is always judged afresh.
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { readdir, readFile, stat, unlink } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { EffectivePolicy } from '../model/policy.js'
import type { Advisory, FeedProblem, PackageFacts, PackageView, Rule, RuleContext } from '../model/rule.js'
import type { ScriptAllowance } from '../rules/install-scripts.js'
import type { Judgement } from './judge.js'
import { writeCacheFile } from '../model/cache-file.js'


const FORMAT = 1
/** Verdicts kept at most; the least recently written go first. */
const KEEP = 32

/** What a verdict is keyed by: everything the rules see, except the facts (see the header). */
export interface VerdictInputs {
  mode: string
  readsLockfileOnly: boolean
  /** Whether reify would unpack tarballs (their package.json is then read and judged). */
  unpacks: boolean
  packages: PackageView[]
  context: Omit<RuleContext, 'now' | 'run'>
  rules: Rule[]
}

/** What the malware feeds said, in a comparable form. */
export interface IntelAnswer {
  advisories: Map<string, Advisory[]>
  problems: FeedProblem[]
}

export interface ScriptDecision {
  allowance: Exclude<ScriptAllowance, 'none'>
  /** The tarball's own package.json was read (the script list is confirmed by the bytes). */
  isTarballRead: boolean
}

export interface StoredVerdict {
  storedAt: number
  /** The verdict stops answering at this time (ms since the epoch). */
  validUntil: number
  /** intelFingerprint() of the feeds' answer the judgement was made with. */
  intel: string
  judgement: Judgement
  /** Locations whose tarball's package.json was read and judged. */
  tarballsRead: string[]
  /** Location → what the policy decided about its install scripts (only packages that have any). */
  scripts: Record<string, ScriptDecision>
}

interface StoredFile {
  format: number
  key: string
  /** sha256 of `verdict` as written: a damaged file is judged afresh, never trusted. */
  checksum: string
  verdict: StoredVerdict
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

let buildId: string | undefined

/**
 * safe-npm's own build: its package.json and the size and time of every
 * module of lib/ and of its installed dependencies' lockfile, so a changed
 * rule, heuristic or dependency (a new popular-names list) never meets a
 * verdict of the old code, whatever the version number says.
 */
function safeNpmBuild(): string {
  if (buildId !== undefined) return buildId
  const here = path.dirname(fileURLToPath(import.meta.url))
  // The CLI's bundle (dist/bundle) holds every module it runs; from source or dist/lib, the whole lib folder.
  const libDir = path.basename(here) === 'bundle' ? here : path.dirname(here)
  const parts: string[] = []
  const add = (file: string) => {
    try {
      const info = statSync(file)
      parts.push(`${path.relative(libDir, file)} ${info.size} ${info.mtimeMs}`)
    } catch {
      parts.push(`${file} -`)
    }
  }
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name)
      if (entry.isDirectory()) walk(full)
      // the modules themselves: source maps and declarations change with them
      else if (/\.[cm]?[jt]s$/.test(entry.name) && !entry.name.endsWith('.d.ts')) add(full)
    }
  }
  walk(libDir)
  // lib (source), dist/lib or dist/bundle: the package root above holds package.json and node_modules.
  for (let dir = path.dirname(libDir), i = 0; i < 3; dir = path.dirname(dir), i++) {
    try {
      const manifest = readFileSync(path.join(dir, 'package.json'), 'utf8')
      if (JSON.parse(manifest).name !== 'safe-npm') continue
      parts.push(manifest)
      add(path.join(dir, 'node_modules', '.package-lock.json'))
      break
    } catch {
      // not the package root: look further up
    }
  }
  return (buildId = sha256(parts.join('\n')))
}

/** Everything a verdict is keyed by but the packages and the names typed on the command line: what a package's own result is keyed by too. */
function sharedInputs(inputs: Omit<VerdictInputs, 'packages'>) {
  const { context } = inputs
  return {
    format: FORMAT,
    build: safeNpmBuild(),
    mode: inputs.mode,
    readsLockfileOnly: inputs.readsLockfileOnly,
    unpacks: inputs.unpacks,
    rules: inputs.rules.map((rule) => [rule.meta.id, rule.meta.defaultSeverity, rule.meta.messages]),
    policy: context.policy,
    configuredRegistries: context.configuredRegistries,
    defaultRegistry: context.defaultRegistry,
    scopedRegistries: context.scopedRegistries,
    rewritesNpmjs: context.rewritesNpmjs,
    npmAllowScripts: context.npmAllowScripts,
    project: context.project,
    policyFiles: context.policyFiles ?? [],
  }
}

/** The key of a verdict: a hash over everything in VerdictInputs, the rule set and safe-npm's build. */
export function verdictKey(inputs: VerdictInputs): string {
  return sha256(JSON.stringify({ ...sharedInputs(inputs), requestedOnCommandLine: inputs.context.requestedOnCommandLine ?? [], packages: inputs.packages }))
}

/** The hash of sharedInputs: the trees judged under the same policy, command, context and code share it (package-results.ts). */
export function verdictBase(inputs: Omit<VerdictInputs, 'packages'>): string {
  return sha256(JSON.stringify(sharedInputs(inputs)))
}

/** The feeds' answer as one string: advisories per package (sorted) and the problems. */
export function intelFingerprint(intel: IntelAnswer): string {
  const advisories = [...intel.advisories.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return sha256(JSON.stringify({ advisories, problems: intel.problems }))
}

/**
 * When a verdict made now from these facts could first judge differently:
 * the oldest stored fact reaches maxAge, a version crosses the age limit (or a
 * publish time in the future is reached), or an exception expires.
 */
export function verdictValidUntil(
  packages: PackageView[],
  facts: Map<string, PackageFacts>,
  policy: EffectivePolicy,
  now: number,
  factsFreshSince: number,
): number {
  let until = factsFreshSince + policy.intel.maxAgeMs
  const ageMs = policy.minimumReleaseAge.ageMs
  for (const pkg of packages) {
    const published = facts.get(pkg.location)?.version?.publishedAt?.getTime()
    if (published === undefined) continue
    if (published > now) until = Math.min(until, published)
    else if (published + ageMs > now) until = Math.min(until, published + ageMs)
  }
  for (const exception of policy.exceptions) {
    if (exception.expires === undefined) continue
    // good through the whole of its expiry day (UTC), as judge.ts reads it
    const end = Date.parse(`${exception.expires}T23:59:59.999Z`) + 1
    if (end > now) until = Math.min(until, end)
  }
  return until
}

export class VerdictCache {
  readonly #dir: string

  constructor(dir: string) {
    this.#dir = dir
  }

  #file(key: string): string {
    return path.join(this.#dir, `${key}.json`)
  }

  /** The verdict stored under this key when it is intact and answers at `now`; null otherwise (never an error). */
  async read(key: string, now: number): Promise<StoredVerdict | null> {
    try {
      const stored = JSON.parse(await readFile(this.#file(key), 'utf8')) as StoredFile
      if (stored?.format !== FORMAT || stored.key !== key || stored.checksum !== sha256(JSON.stringify(stored.verdict))) return null
      const { verdict } = stored
      // A clock set back is no reason to trust an old verdict: judged afresh.
      if (typeof verdict.storedAt !== 'number' || now < verdict.storedAt || !(now < verdict.validUntil)) return null
      return verdict
    } catch {
      return null
    }
  }

  /** Best effort: a verdict that cannot be written only costs a judgement next time. */
  async write(key: string, verdict: StoredVerdict): Promise<void> {
    const stored: StoredFile = { format: FORMAT, key, checksum: sha256(JSON.stringify(verdict)), verdict }
    try {
      await writeCacheFile(this.#file(key), JSON.stringify(stored))
      await this.#prune()
    } catch {
      // read-only cache directory: judged again next time
    }
  }

  async #prune(): Promise<void> {
    await pruneOldest(this.#dir, /^[0-9a-f]{64}\.json$/, KEEP)
  }
}

/** Removes the least recently written of the files in `dir` whose name matches, past the `keep` newest. */
export async function pruneOldest(dir: string, pattern: RegExp, keep: number): Promise<void> {
  const names = (await readdir(dir)).filter((name) => pattern.test(name))
  if (names.length <= keep) return
  const dated = await Promise.all(names.map(async (name) => ({ name, mtime: (await stat(path.join(dir, name))).mtimeMs })))
  dated.sort((a, b) => b.mtime - a.mtime)
  await Promise.all(dated.slice(keep).map(({ name }) => unlink(path.join(dir, name)).catch(() => undefined)))
}
