// Helpers shared by the rules that compare a version with its history.
import semver from 'semver'
import { earlierVersions, parseVersion } from '../heuristics/version-signals.js'
import type { PackageFacts, VersionFacts } from '../model/rule.js'

/** earlierVersions per version (one object per name@version, shared by every package and rule of a run), for the list it was computed from. */
const earlierOf = new WeakMap<VersionFacts, { versions: VersionFacts[]; earlier: VersionFacts[] }>()

/**
 * Publish times of a version list (PackageFacts.versions) when every version
 * has one and the list is in publish order (as packument summaries are), else
 * null. Then the versions published before one are a prefix of the list, found
 * by a binary search: the registry filter judges every version of a packument,
 * and filtering the whole history for each of them is quadratic.
 */
const timelines = new WeakMap<VersionFacts[], Float64Array | null>()

function timelineOf(versions: VersionFacts[]): Float64Array | null {
  let times = timelines.get(versions)
  if (times !== undefined) return times
  times = new Float64Array(versions.length)
  for (let index = 0; index < versions.length; index++) {
    const time = versions[index].publishedAt?.getTime() ?? Number.NaN
    if (Number.isNaN(time) || (index > 0 && time < times[index - 1])) {
      times = null
      break
    }
    times[index] = time
  }
  timelines.set(versions, times)
  return times
}

/** How many entries of an ascending list are below `value`. */
function countBelow(times: Float64Array, value: number): number {
  let low = 0
  let high = times.length
  while (low < high) {
    const middle = (low + high) >>> 1
    if (times[middle] < value) low = middle + 1
    else high = middle
  }
  return low
}

/** The resolved version's facts and every version published before it, when known. The list is shared: read it, never change it. */
export function history(facts: PackageFacts): { current: VersionFacts; earlier: VersionFacts[] } | null {
  if (facts.status !== 'known' || !facts.version || !facts.versions) return null
  const times = facts.version.publishedAt ? timelineOf(facts.versions) : null
  // The same versions earlierVersions keeps (strictly older, oldest first), without walking the whole list.
  if (times) return { current: facts.version, earlier: facts.versions.slice(0, countBelow(times, facts.version.publishedAt!.getTime())) }
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
