// Everything the rules may know, gathered once per run: registry facts per
// package, what the malware feeds say, verified provenance where a rule asks
// for it, and (on request) the dependency-confusion probe. What is gathered
// follows from the active rules' declared needs; independent sources are asked
// at the same time.
import path from 'node:path'
import type { RecordingPackumentCache } from '../npm/packument-facts.js'
import { readTarballManifests, type TarballTarget } from '../npm/tarball-manifest.js'
import type { EffectivePolicy } from '../model/policy.js'
import type { PackageFacts, PackageView, Rule, RuleNeeds, RunFacts, TarballFact } from '../model/rule.js'
import { FactsCache } from './facts-cache.js'
import { gatherFacts } from './facts.js'
import type { FetchLanes } from './fetch-lanes.js'
import { gatherIntel, intelCacheDir, probePublicRegistry, probeTargets, type IntelResult, type RunNote } from './feeds.js'
import { isActive } from './judge.js'
import { verifyRequiredProvenance } from './provenance.js'

/** What a progress report carries besides its text: a count, or that what runs next writes to the terminal itself. */
export interface PhaseDetail {
  done?: number
  total?: number
  handsOverTerminal?: boolean
}

export interface GatherOptions {
  npmOptions: Record<string, any>
  defaultRegistry: string
  scopedRegistries: Record<string, string>
  packumentCache: RecordingPackumentCache
  projectDir: string
  now: Date
  /** `check --probe`: probe the public registry even when the policy does not ask to. */
  isProbeRequested: boolean
  /** Facts are needed to plan install scripts even when no active rule asks for them. */
  needsScriptFacts?: boolean
  onPhase?: (text: string, detail?: PhaseDetail) => void
  /** The threads registry work runs on (fetch-lanes.ts). */
  lanes?: FetchLanes
}

/** The union of what the active rules need under this policy. */
export function neededBy(rules: Rule[], policy: EffectivePolicy, isProbeRequested: boolean): Required<Omit<RuleNeeds, 'probe'>> & { probe: boolean } {
  const needs = rules.filter((rule) => isActive(rule, policy)).map((rule) => rule.meta.needs?.(policy) ?? {})
  return {
    facts: needs.some((need) => need.facts),
    advisories: needs.some((need) => need.advisories),
    provenance: [...new Set(needs.flatMap((need) => need.provenance ?? []))],
    tarballManifests: needs.some((need) => need.tarballManifests),
    probe: needs.some((need) => need.probe === 'always' || (need.probe === 'on-request' && isProbeRequested)),
  }
}

export async function gatherEverything(
  packages: PackageView[],
  policy: EffectivePolicy,
  rules: Rule[],
  options: GatherOptions,
  /** What the malware feeds said in this run, when already asked (gatherRunIntel). */
  asked?: Promise<IntelResult>,
): Promise<Gathered> {
  const needs = neededBy(rules, policy, options.isProbeRequested)
  const cacheDir = intelCacheDir(options.npmOptions)
  const intelOptions = { ...options, cacheDir, now: options.now }
  const factsPhase = `gathering facts for ${packages.length} packages${needs.advisories ? ' and asking the malware feeds' : ''}`
  options.onPhase?.(factsPhase)
  const summaries = new FactsCache(path.join(cacheDir, 'facts'), policy.intel.maxAgeMs)
  const [facts, intel] = await Promise.all([
    needs.facts || options.needsScriptFacts
      ? gatherFacts(packages, {
          npmOptions: options.npmOptions,
          cache: options.packumentCache,
          summaries,
          now: options.now.getTime(),
          onProgress: (done, total) => options.onPhase?.(factsPhase, { done, total }),
          lanes: options.lanes,
        })
      : new Map(packages.map((pkg): [string, PackageFacts] => [pkg.location, { status: 'not-applicable' }])),
    asked ?? gatherRunIntel(packages, policy, rules, options),
  ])
  for (const pkg of packages) {
    const advisories = intel.advisories.get(`${pkg.name}@${pkg.version}`)
    const known = facts.get(pkg.location)
    if (advisories && known) known.advisories = advisories
    const replaced = pkg.replacesVersion ? intel.advisories.get(`${pkg.name}@${pkg.replacesVersion}`) : undefined
    if (replaced && known) known.replacedAdvisories = replaced
  }
  const targets = needs.probe ? probeTargets(packages, policy) : []
  const [probes] = await Promise.all([
    targets.length > 0 ? probePublicRegistry(targets, policy, intelOptions) : [],
    needs.provenance.length > 0 ? verifyRequiredProvenance(packages, facts, needs.provenance, options) : undefined,
  ])
  return { facts, run: { feedProblems: intel.problems, probes }, notes: intel.notes, intel, factsFreshSince: summaries.oldestRead ?? options.now.getTime() }
}

export interface Gathered {
  facts: Map<string, PackageFacts>
  run: RunFacts
  notes: RunNote[]
  /** What the malware feeds said. */
  intel: IntelResult
  /** When the oldest fact used was learned from the registry (a stored summary's time, else now). */
  factsFreshSince: number
}

/** Asks the malware feeds the active rules need about these packages (nothing when none does). */
export async function gatherRunIntel(packages: PackageView[], policy: EffectivePolicy, rules: Rule[], options: GatherOptions): Promise<IntelResult> {
  if (!neededBy(rules, policy, options.isProbeRequested).advisories) return { advisories: new Map(), problems: [], feeds: [], notes: [] }
  return gatherIntel(packages, policy, { ...options, cacheDir: intelCacheDir(options.npmOptions), now: options.now })
}

/**
 * Reads the tarball's package.json of these targets (registry packages only:
 * other sources have no registry manifest to disagree with).
 */
async function readTarballsOf(
  packages: PackageView[],
  targets: TarballTarget[],
  options: Pick<GatherOptions, 'npmOptions' | 'onPhase' | 'lanes'>,
): Promise<Map<string, TarballFact>> {
  const registryLocations = new Set(packages.filter((pkg) => pkg.source === 'registry').map((pkg) => pkg.location))
  const wanted = targets.filter((target) => registryLocations.has(target.location))
  if (wanted.length === 0) return new Map()
  options.onPhase?.(`reading the package.json of ${wanted.length} tarball${wanted.length === 1 ? '' : 's'}`)
  return readTarballManifests(wanted, options.npmOptions, options.lanes)
}

/** Reads the tarballs of these packages that were not read yet into their facts; returns how many facts gained a tarball. */
export async function gatherTarballManifests(
  packages: PackageView[],
  facts: Map<string, PackageFacts>,
  targets: TarballTarget[],
  options: Pick<GatherOptions, 'npmOptions' | 'onPhase' | 'lanes'>,
): Promise<number> {
  const unread = packages.filter((pkg) => !facts.get(pkg.location)?.tarball)
  let added = 0
  for (const [location, tarball] of await readTarballsOf(unread, targets, options)) {
    const known = facts.get(location)
    if (known) {
      known.tarball = tarball
      added++
    }
  }
  return added
}
