// Helpers shared by the rules that compare a version with its history.
import semver from 'semver'
import { earlierVersions, parseVersion } from '../heuristics/version-signals.js'
import type { PackageFacts, VersionFacts } from '../model/rule.js'

/** earlierVersions per version (one object per name@version, shared by every package and rule of a run), for the list it was computed from. */
const earlierOf = new WeakMap<VersionFacts, { versions: VersionFacts[]; earlier: VersionFacts[] }>()

/** The resolved version's facts and every version published before it, when known. The list is shared: read it, never change it. */
export function history(facts: PackageFacts): { current: VersionFacts; earlier: VersionFacts[] } | null {
  if (facts.status !== 'known' || !facts.version || !facts.versions) return null
  // Four rules ask for every package; the filter over a long history is done once.
  let known = earlierOf.get(facts.version)
  if (known?.versions !== facts.versions) {
    known = { versions: facts.versions, earlier: earlierVersions(facts.version, facts.versions) }
    earlierOf.set(facts.version, known)
  }
  return { current: facts.version, earlier: known.earlier }
}

/** The release this version follows: the highest earlier version below it, else the last one published. */
export function predecessor(current: VersionFacts, earlier: VersionFacts[]): VersionFacts | null {
  const target = parseVersion(current.version)
  let best: { entry: VersionFacts; parsed: semver.SemVer } | null = null
  for (const entry of target ? earlier : []) {
    const parsed = parseVersion(entry.version)
    if (parsed && parsed.compare(target!) < 0 && (!best || parsed.compare(best.parsed) > 0)) best = { entry, parsed }
  }
  return best?.entry ?? earlier[earlier.length - 1] ?? null
}
