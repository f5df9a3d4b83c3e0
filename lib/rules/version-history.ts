// Helpers shared by the rules that compare a version with its history.
import semver from 'semver'
import { earlierVersions } from '../heuristics/version-signals.js'
import type { PackageFacts, VersionFacts } from '../model/rule.js'

/** The resolved version's facts and every version published before it, when known. */
export function history(facts: PackageFacts): { current: VersionFacts; earlier: VersionFacts[] } | null {
  if (facts.status !== 'known' || !facts.version || !facts.versions) return null
  return { current: facts.version, earlier: earlierVersions(facts.version, facts.versions) }
}

/** The release this version follows: the highest earlier version below it, else the last one published. */
export function predecessor(current: VersionFacts, earlier: VersionFacts[]): VersionFacts | null {
  const target = semver.parse(current.version)
  let best: { entry: VersionFacts; parsed: semver.SemVer } | null = null
  for (const entry of target ? earlier : []) {
    const parsed = semver.parse(entry.version)
    if (parsed && parsed.compare(target!) < 0 && (!best || parsed.compare(best.parsed) > 0)) best = { entry, parsed }
  }
  return best?.entry ?? earlier[earlier.length - 1] ?? null
}
