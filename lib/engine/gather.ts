// Everything the rules may know, gathered once per run: registry facts per
// package, what the malware feeds say, verified provenance where the policy
// asks for it, and (on request) the dependency-confusion probe. Independent
// sources are asked at the same time.
import path from 'node:path'
import type { RecordingPackumentCache } from '../npm/packument-facts.js'
import type { EffectivePolicy } from '../policy/types.js'
import type { PackageFacts, PackageView, RunFacts } from '../rules/rule.js'
import { FactsCache } from './facts-cache.js'
import { gatherFacts } from './facts.js'
import { gatherIntel, intelCacheDir, probePublicRegistry, probeTargets } from './intel.js'
import { verifyRequiredProvenance } from './provenance.js'

export interface GatherOptions {
  npmOptions: Record<string, any>
  defaultRegistry: string
  scopedRegistries: Record<string, string>
  packumentCache: RecordingPackumentCache
  projectDir: string
  now: Date
  /** `check --probe`: probe the public registry even when the policy does not ask to. */
  isProbeRequested: boolean
  onPhase?: (text: string) => void
}

export async function gatherEverything(
  packages: PackageView[],
  policy: EffectivePolicy,
  options: GatherOptions,
): Promise<{ facts: Map<string, PackageFacts>; run: RunFacts }> {
  const cacheDir = intelCacheDir(options.npmOptions)
  const intelOptions = { ...options, cacheDir }
  options.onPhase?.(`gathering facts for ${packages.length} packages and asking the malware feeds`)
  const [facts, intel] = await Promise.all([
    gatherFacts(packages, {
      npmOptions: options.npmOptions,
      cache: options.packumentCache,
      summaries: new FactsCache(path.join(cacheDir, 'facts'), policy.intel.maxAgeMs),
      now: options.now.getTime(),
    }),
    gatherIntel(packages, policy, intelOptions),
  ])
  for (const pkg of packages) {
    const advisories = intel.advisories.get(`${pkg.name}@${pkg.version}`)
    const known = facts.get(pkg.location)
    if (advisories && known) known.advisories = advisories
  }
  const targets = probeTargets(packages, policy)
  const wantsProbe = options.isProbeRequested || (policy.dependencyConfusion.probe && policy.rules['dependency-confusion'] !== 'off')
  const [probes] = await Promise.all([
    wantsProbe && targets.length > 0 ? probePublicRegistry(targets, policy, intelOptions) : [],
    verifyRequiredProvenance(packages, facts, policy, options),
  ])
  return { facts, run: { feedProblems: intel.problems, probes } }
}
