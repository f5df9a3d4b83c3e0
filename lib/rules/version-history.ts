// Helpers shared by the rules that compare a version with its history.
import semver from 'semver'
import { earlierVersions } from '../intel/version-signals.js'
import type { PackageFacts, VersionFacts } from './rule.js'

/** The resolved version's facts and every version published before it, when known. */
export function history(facts: PackageFacts): { current: VersionFacts; earlier: VersionFacts[] } | null {
  if (facts.status !== 'known' || !facts.version || !facts.versions) return null
  return { current: facts.version, earlier: earlierVersions(facts.version, facts.versions) }
}

/** The release this version follows: the highest earlier version below it, else the last one published. */
export function predecessor(current: VersionFacts, earlier: VersionFacts[]): VersionFacts | null {
  const below = earlier.filter((entry) => semver.valid(entry.version) && semver.valid(current.version) && semver.lt(entry.version, current.version))
  if (below.length > 0) return below.reduce((best, entry) => (semver.gt(entry.version, best.version) ? entry : best))
  return earlier[earlier.length - 1] ?? null
}
