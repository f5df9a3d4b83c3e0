// Signals in a package's version history that a release may not come from
// its usual authors: implausible version jumps, a publisher never seen
// before, a new install script, lost provenance. Pure functions over the
// VersionFacts the engine gathers (lib/rules/rule.ts); rules decide what they mean.

import type { VersionFacts } from '../model/rule.js'
import type { SemVer } from 'semver'
import { requireCommonJs } from '../model/commonjs.js'

const semver: typeof import('semver') = requireCommonJs('semver')

/** Lifecycle scripts npm runs when a registry package is installed. */
export const INSTALL_SCRIPT_NAMES = ['preinstall', 'install', 'postinstall'] as const

/**
 * True for the registry's placeholder left after a malicious package was
 * removed: version `0.0.1-security` (or `…-security.N`), or the description
 * "security holding package".
 */
export function isSecurityHolder(version: string, description?: string | null): boolean {
  if (/^\d+\.\d+\.\d+-security(?:\.\d+)?$/.test(version)) return true
  return typeof description === 'string' && /security holding package/i.test(description)
}

export type VersionJumpReason =
  /** First release of the package, already at major 99 or more. */
  | 'first-release-at-99'
  /** The major jumped to 99 or more, at least doubling. */
  | 'major-jump-to-99'
  /** The major is at least 50 and ten times the previous highest. */
  | 'major-jump-tenfold'
  /** A placeholder made of nines (9.9.9, 99.99.99, 999.x) above everything before. */
  | 'nines-placeholder'

export interface VersionJump {
  /** Highest earlier version; null for a first release. */
  from: string | null
  to: string
  reason: VersionJumpReason
}

const HUGE_MAJOR = 99

const parsedVersions = new Map<string, SemVer | null>()
/** A long-running process (the registry filter) sees ever more version strings: start over past this many. */
const MAX_PARSED_VERSIONS = 100_000

/**
 * semver.parse, once per version string per process: the histories of a
 * tree's packages share most version strings, and several rules walk each
 * history. The result is shared: read it, never change it (no inc()).
 */
export function parseVersion(version: string): SemVer | null {
  let parsed = parsedVersions.get(version)
  if (parsed === undefined) {
    if (parsedVersions.size >= MAX_PARSED_VERSIONS) parsedVersions.clear()
    parsed = semver.parse(version)
    parsedVersions.set(version, parsed)
  }
  return parsed
}
const TENFOLD_MIN_MAJOR = 50

/**
 * A resolved version far above every earlier release, the mark of dependency
 * confusion (a public package outbidding a private one) and of some hijacks.
 * `previous` are the versions published before it.
 */
export function suspiciousVersionJump(version: string, previous: string[]): VersionJump | null {
  if (parseVersion(version) === null) return null
  // Each version is parsed once: packages with thousands of releases are common.
  let highestParsed: SemVer | null = null
  for (const other of previous) {
    if (other === version) continue
    const parsed = parseVersion(other)
    if (parsed !== null && (highestParsed === null || parsed.compare(highestParsed) > 0)) highestParsed = parsed
  }
  return versionJumpOver(version, highestParsed)
}

/** suspiciousVersionJump with the highest earlier version already known (null: none). */
export function versionJumpOver(version: string, highestParsed: SemVer | null): VersionJump | null {
  const current = parseVersion(version)
  if (current === null) return null
  if (highestParsed === null) {
    return current.major >= HUGE_MAJOR ? { from: null, to: version, reason: 'first-release-at-99' } : null
  }
  const highest = highestParsed.version
  if (current.compare(highestParsed) <= 0) return null
  const previousMajor = highestParsed.major
  const jump = (reason: VersionJumpReason): VersionJump => ({ from: highest, to: version, reason })

  // Doubling at least: packages versioned after a browser go 98 → 99 honestly.
  if (current.major >= HUGE_MAJOR && current.major >= 2 * previousMajor) return jump('major-jump-to-99')
  if (current.major >= TENFOLD_MIN_MAJOR && current.major >= 10 * previousMajor) return jump('major-jump-tenfold')
  if (isNinesPlaceholder(current) && current.major > previousMajor) return jump('nines-placeholder')
  return null
}

/** 9.9.9, 99.99.99, 99.9.9 or any 999.x: numbers nobody reaches by releasing. */
function isNinesPlaceholder(version: SemVer): boolean {
  const allNines = (value: number): boolean => /^9+$/.test(String(value))
  if (version.major >= 999 && allNines(version.major)) return true
  return allNines(version.major) && allNines(version.minor) && allNines(version.patch)
}

/** Install scripts `current` has that `previousVersion` did not; empty for a first release. */
export function newInstallScript(current: VersionFacts, previousVersion: VersionFacts | null | undefined): string[] {
  if (previousVersion == null) return []
  return installScripts(current).filter((name) => !hasScript(previousVersion, name))
}

/** Install scripts present in both versions whose command changed. */
export function changedInstallScripts(current: VersionFacts, previousVersion: VersionFacts | null | undefined): string[] {
  if (previousVersion == null) return []
  return installScripts(current).filter((name) =>
    hasScript(previousVersion, name) && previousVersion.scripts[name] !== current.scripts[name])
}

export function installScripts(facts: Pick<VersionFacts, 'scripts'>): string[] {
  return INSTALL_SCRIPT_NAMES.filter((name) => hasScript(facts, name))
}

function hasScript(facts: Pick<VersionFacts, 'scripts'>, name: string): boolean {
  return typeof facts.scripts[name] === 'string' && facts.scripts[name].trim() !== ''
}

export type TrustSignal = 'provenance' | 'trusted-publisher'

export interface TrustDowngrade {
  /** What this version lacks. */
  signal: TrustSignal
  /** The latest earlier version that had it. */
  lastVersionWith: string
  /** Earlier versions published after that one without it: 0 means the loss is new with this version. */
  versionsWithoutSince: number
}

/**
 * Trust signals earlier versions had and `current` lacks: a build provenance
 * attestation, or publication by a trusted publisher (OIDC from CI). A release
 * that lost them may have been published with a stolen token.
 */
export function trustDowngrade(current: VersionFacts, previous: VersionFacts[]): TrustDowngrade[] {
  const downgrades: TrustDowngrade[] = []
  const check = (signal: TrustSignal, has: (facts: VersionFacts) => boolean): void => {
    if (has(current)) return
    let lastIndex = previous.length - 1
    while (lastIndex >= 0 && !has(previous[lastIndex])) lastIndex--
    if (lastIndex === -1) return
    downgrades.push({ signal, lastVersionWith: previous[lastIndex].version, versionsWithoutSince: previous.length - 1 - lastIndex })
  }
  check('provenance', (facts) => facts.hasProvenance)
  check('trusted-publisher', (facts) => facts.hasTrustedPublisher)
  return downgrades
}

/**
 * The versions published before `current`, oldest first, from a full list
 * (PackageFacts.versions). By publish time when both times are known,
 * otherwise by position in the list (which is oldest first).
 */
export function earlierVersions(current: VersionFacts, versions: VersionFacts[]): VersionFacts[] {
  const position = versions.findIndex((facts) => facts.version === current.version)
  return versions.filter((facts, index) => {
    if (facts.version === current.version) return false
    if (facts.publishedAt !== null && current.publishedAt !== null) return facts.publishedAt < current.publishedAt
    return position === -1 ? true : index < position
  })
}

const DAY_MS = 86_400_000

/** How much history an established package has before a release: enough releases over enough time. */
export const ESTABLISHED = { minReleases: 10, minSpanDays: 180 } as const

/**
 * What a release's trust signals are compared with (issue 11): the recent
 * releases of its own line, not every release ever. A line is a major version
 * (0.x is one line); its recent releases are the last `recentReleases` before
 * this one and any other of the `recentDays` before it.
 */
export const LINE = { recentReleases: 10, recentDays: 365 } as const

const majorOf = (version: string): number | null => parseVersion(version)?.major ?? null

/**
 * The recent releases of the line `current` belongs to, oldest first, taken
 * from `earlier` (the releases before it, oldest first). The first release of
 * a line is compared with the line it continues (the highest lower major), so
 * a new major does not escape the comparison; a backport on an old line is
 * compared with that line only; a version that is not semver with every line.
 */
export function recentOfLine(current: VersionFacts, earlier: VersionFacts[]): VersionFacts[] {
  const major = majorOf(current.version)
  let line = major === null ? earlier : earlier.filter((facts) => majorOf(facts.version) === major)
  if (line.length === 0 && major !== null) {
    let continued = -1
    for (const facts of earlier) {
      const other = majorOf(facts.version)
      if (other !== null && other < major && other > continued) continued = other
    }
    line = earlier.filter((facts) => majorOf(facts.version) === continued)
  }
  const since = current.publishedAt ? current.publishedAt.getTime() - LINE.recentDays * DAY_MS : null
  const firstRecent = line.length - LINE.recentReleases
  return line.filter((facts, index) => index >= firstRecent || (since !== null && facts.publishedAt !== null && facts.publishedAt.getTime() >= since))
}

const credibility = new WeakMap<VersionFacts[], boolean>()
/** Pairs needed to tell, and the share of them out of order that makes times not credible. */
const CREDIBLE_TIMES = { minPairs: 5, maxDisorder: 0.25 } as const

/**
 * Whether a history's publish times agree with its version order: within a
 * line, a higher stable version is nearly always published after a lower one
 * (backports cross lines, not within one). A registry or mirror that stamps
 * versions with made-up times disagrees about half the time, and its times can
 * tell neither a cadence nor an age. Too few versions to tell: not credible.
 */
export function hasCredibleTimes(versions: VersionFacts[]): boolean {
  let known = credibility.get(versions)
  if (known !== undefined) return known
  const byLine = new Map<number, Array<{ parsed: SemVer; time: number }>>()
  for (const facts of versions) {
    const parsed = parseVersion(facts.version)
    if (!parsed || parsed.prerelease.length > 0 || !facts.publishedAt) continue
    byLine.set(parsed.major, [...(byLine.get(parsed.major) ?? []), { parsed, time: facts.publishedAt.getTime() }])
  }
  let pairs = 0
  let disordered = 0
  for (const line of byLine.values()) {
    line.sort((a, b) => a.parsed.compare(b.parsed))
    for (let index = 1; index < line.length; index++) {
      pairs++
      if (line[index].time < line[index - 1].time) disordered++
    }
  }
  known = pairs >= CREDIBLE_TIMES.minPairs && disordered / pairs <= CREDIBLE_TIMES.maxDisorder
  credibility.set(versions, known)
  return known
}

/** The versions below `current` in version order, lowest first: the history when publish times cannot be trusted. */
export function lowerVersions(current: VersionFacts, versions: VersionFacts[]): VersionFacts[] {
  const target = parseVersion(current.version)
  if (!target) return []
  return versions
    .map((facts) => ({ facts, parsed: parseVersion(facts.version) }))
    .filter((entry): entry is { facts: VersionFacts; parsed: SemVer } => entry.parsed !== null && entry.parsed.compare(target) < 0)
    .sort((a, b) => a.parsed.compare(b.parsed))
    .map((entry) => entry.facts)
}

/**
 * How a release skips numbers after the release it follows, when it does in
 * a way releasing does not produce: a new minor or major that does not start
 * near .0 (rc 1.2.8 → 1.3.9 → 2.3.9, coa 3.0.1 → 3.1.3), or a run of skipped
 * minors or majors. Small gaps (a failed publish, a monorepo in fixed mode
 * that skips a package) are ordinary; null for those and for prereleases.
 */
export function versionSkip(version: string, previous: string): string | null {
  const to = parseVersion(version)
  const from = parseVersion(previous)
  if (!to || !from || to.prerelease.length > 0 || to.compare(from) <= 0) return null
  const START_SLACK = 2
  const MINOR_SLACK = 5
  if (to.major > from.major) {
    if (to.major - from.major > 2) return `${previous} → ${version} skips ${to.major - from.major - 1} majors`
    if (to.minor > START_SLACK || to.patch > START_SLACK) return `${previous} → ${version} starts a new major at ${to.minor}.${to.patch}`
    return null
  }
  if (to.minor > from.minor) {
    if (to.minor - from.minor > MINOR_SLACK) return `${previous} → ${version} skips ${to.minor - from.minor - 1} minors`
    if (to.patch > START_SLACK) return `${previous} → ${version} starts a new minor at patch ${to.patch}`
  }
  return null
}

export interface Lineage {
  /** At least ESTABLISHED.minReleases earlier releases, the first ESTABLISHED.minSpanDays or more before this one. */
  isEstablished: boolean
  /** The releases it is compared with: the recent ones of its line (recentOfLine). */
  recent: VersionFacts[]
  /**
   * Whether this release's publisher published one of the recent releases of
   * its line or of the package: 'same', 'new' (someone else), or 'unknown'
   * (the registry records no publishers).
   */
  publisher: 'same' | 'new' | 'unknown'
  /** Who published the recent releases, most recent first. */
  recentPublishers: string[]
  /** The recent releases of its line all had provenance and this one has none. */
  hasLostProvenance: boolean
}

/**
 * The lineage of a release: does it come from an established package, from
 * the people who published its recent releases, with the provenance they had?
 * Compared with the recent releases of its line (and, for the publisher, of
 * the package: a maintainer of the new line may publish a backport), never
 * with any release ever.
 */
export function lineage(current: VersionFacts, previous: VersionFacts[]): Lineage {
  let first: number | null = null
  for (const facts of previous) {
    const time = facts.publishedAt?.getTime()
    if (time !== undefined && (first === null || time < first)) first = time
  }
  const spanDays = first !== null && current.publishedAt ? (current.publishedAt.getTime() - first) / DAY_MS : 0
  const recent = recentOfLine(current, previous)
  const packageRecent = previous.slice(-LINE.recentReleases)
  const recentPublishers = [...new Set([...recent, ...packageRecent].reverse().map((facts) => facts.publisher).filter((publisher): publisher is string => publisher !== null))]
  const publisher = current.publisher === null || recentPublishers.length === 0 ? 'unknown' : recentPublishers.includes(current.publisher) ? 'same' : 'new'
  return {
    isEstablished: previous.length >= ESTABLISHED.minReleases && spanDays >= ESTABLISHED.minSpanDays,
    recent,
    publisher,
    recentPublishers,
    hasLostProvenance: recent.length > 0 && recent.every((facts) => facts.hasProvenance) && !current.hasProvenance,
  }
}
