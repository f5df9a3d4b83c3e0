// Helpers shared by the rules that compare a version with its history.
import { earlierVersions, parseVersion } from '../heuristics/version-signals.js'
import type { PackageFacts, VersionFacts } from '../model/rule.js'
import type { SemVer } from 'semver'

/** earlierVersions per version (one object per name@version, shared by every package and rule of a run), for the list it was computed from. */
const earlierOf = new WeakMap<VersionFacts, { versions: VersionFacts[]; earlier: VersionFacts[] }>()

/**
 * A version list (PackageFacts.versions) in publish order, every version with a
 * publish time (as packument summaries are). Then the versions published
 * before one are a prefix of the list, found by a binary search, and what the
 * rules ask of that prefix (its highest version, the predecessor) is worked
 * out once for the whole list: the registry filter judges every version of a
 * packument, and walking the history for each of them is quadratic.
 */
interface Timeline {
  times: Float64Array
  /** Where each version is in the list. */
  indexOf: Map<VersionFacts, number>
  /** highest[k]: the highest version among the first k, the first of equals; made when first asked. */
  highest?: Array<SemVer | null>
  /** The predecessor of each version, by its index; made when first asked. */
  predecessors?: Array<VersionFacts | null>
}

export interface History {
  current: VersionFacts
  /** Every version published before `current`, oldest first. Shared: read it, never change it. */
  earlier: VersionFacts[]
  /** Set when `earlier` is the first `length` versions of a timeline. */
  prefix?: { versions: VersionFacts[]; timeline: Timeline; length: number }
}

const timelines = new WeakMap<VersionFacts[], Timeline | null>()

function timelineOf(versions: VersionFacts[]): Timeline | null {
  let timeline = timelines.get(versions)
  if (timeline !== undefined) return timeline
  const times = new Float64Array(versions.length)
  timeline = { times, indexOf: new Map() }
  for (let index = 0; index < versions.length; index++) {
    const time = versions[index].publishedAt?.getTime() ?? Number.NaN
    if (Number.isNaN(time) || (index > 0 && time < times[index - 1])) {
      timeline = null
      break
    }
    times[index] = time
    timeline.indexOf.set(versions[index], index)
  }
  timelines.set(versions, timeline)
  return timeline
}

/** The first index of a sorted list whose entry is not below `value` (`isBelow`). */
function firstNotBelow<T>(length: number, entryAt: (index: number) => T, isBelow: (entry: T) => boolean): number {
  let low = 0
  let high = length
  while (low < high) {
    const middle = (low + high) >>> 1
    if (isBelow(entryAt(middle))) low = middle + 1
    else high = middle
  }
  return low
}

/** How many entries of an ascending list are below `value`. */
const countBelow = (times: Float64Array, value: number) => firstNotBelow(times.length, (index) => times[index], (time) => time < value)

/** The resolved version's facts and every version published before it, when known. The list is shared: read it, never change it. */
export function history(facts: PackageFacts): History | null {
  if (facts.status !== 'known' || !facts.version || !facts.versions) return null
  const timeline = facts.version.publishedAt ? timelineOf(facts.versions) : null
  if (timeline) {
    // The same versions earlierVersions keeps (strictly older, oldest first), without walking the whole list.
    const length = countBelow(timeline.times, facts.version.publishedAt!.getTime())
    return { current: facts.version, earlier: facts.versions.slice(0, length), prefix: { versions: facts.versions, timeline, length } }
  }
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
  let best: { entry: VersionFacts; parsed: SemVer } | null = null
  for (const entry of target ? earlier : []) {
    const parsed = parseVersion(entry.version)
    if (parsed && parsed.compare(target!) < 0 && (!best || parsed.compare(best.parsed) > 0)) best = { entry, parsed }
  }
  return best?.entry ?? earlier[earlier.length - 1] ?? null
}

/** predecessor(known.current, known.earlier), from the timeline's table when there is one. */
export function previousRelease(known: History): VersionFacts | null {
  const index = known.prefix?.timeline.indexOf.get(known.current)
  if (!known.prefix || index === undefined) return predecessor(known.current, known.earlier)
  const timeline = known.prefix.timeline
  timeline.predecessors ??= predecessorsOf(known.prefix.versions, timeline.times)
  return timeline.predecessors[index]
}

/**
 * Each version's predecessor in one pass: versions enter a list sorted by
 * semver (equal ones after those already there) as they become earlier than
 * the version asked about, and the highest one below it is a binary search away.
 */
function predecessorsOf(versions: VersionFacts[], times: Float64Array): Array<VersionFacts | null> {
  const result: Array<VersionFacts | null> = []
  const sorted: Array<{ parsed: SemVer; entry: VersionFacts }> = []
  let entered = 0
  for (let index = 0; index < versions.length; index++) {
    const earlierCount = countBelow(times, times[index])
    for (; entered < earlierCount; entered++) {
      const parsed = parseVersion(versions[entered].version)
      if (!parsed) continue
      const at = firstNotBelow(sorted.length, (position) => sorted[position].parsed, (other) => other.compare(parsed) <= 0)
      sorted.splice(at, 0, { parsed, entry: versions[entered] })
    }
    const last = earlierCount > 0 ? versions[earlierCount - 1] : null
    const target = parseVersion(versions[index].version)
    const below = target ? firstNotBelow(sorted.length, (position) => sorted[position].parsed, (other) => other.compare(target) < 0) : 0
    if (below === 0) {
      result.push(last)
      continue
    }
    // The first published of the equals (semver ignores build metadata), as predecessor keeps it.
    const best = sorted[below - 1].parsed
    result.push(sorted[firstNotBelow(below, (position) => sorted[position].parsed, (other) => other.compare(best) < 0)].entry)
  }
  return result
}

/** The highest version published before `known.current` (the first of equals), or null. */
export function highestEarlier(known: History): SemVer | null {
  if (known.prefix) {
    const timeline = known.prefix.timeline
    timeline.highest ??= highestPrefixes(known.prefix.versions)
    return timeline.highest[known.prefix.length]
  }
  return highestPrefixes(known.earlier)[known.earlier.length]
}

function highestPrefixes(versions: VersionFacts[]): Array<SemVer | null> {
  const highest: Array<SemVer | null> = [null]
  for (const entry of versions) {
    const parsed = parseVersion(entry.version)
    const before = highest[highest.length - 1]
    highest.push(parsed !== null && (before === null || parsed.compare(before) > 0) ? parsed : before)
  }
  return highest
}
