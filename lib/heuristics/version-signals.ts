// Signals in a package's version history that a release may not come from
// its usual authors: implausible version jumps, a publisher never seen
// before, a new install script, lost provenance. Pure functions over the
// VersionFacts the engine gathers (lib/rules/rule.ts); rules decide what they mean.

import semver from 'semver'
import type { VersionFacts } from '../model/rule.js'

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

const parsedVersions = new Map<string, semver.SemVer | null>()
/** A long-running process (the registry filter) sees ever more version strings: start over past this many. */
const MAX_PARSED_VERSIONS = 100_000

/**
 * semver.parse, once per version string per process: the histories of a
 * tree's packages share most version strings, and several rules walk each
 * history. The result is shared: read it, never change it (no inc()).
 */
export function parseVersion(version: string): semver.SemVer | null {
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
  let highestParsed: semver.SemVer | null = null
  for (const other of previous) {
    if (other === version) continue
    const parsed = parseVersion(other)
    if (parsed !== null && (highestParsed === null || parsed.compare(highestParsed) > 0)) highestParsed = parsed
  }
  return versionJumpOver(version, highestParsed)
}

/** suspiciousVersionJump with the highest earlier version already known (null: none). */
export function versionJumpOver(version: string, highestParsed: semver.SemVer | null): VersionJump | null {
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
function isNinesPlaceholder(version: semver.SemVer): boolean {
  const allNines = (value: number): boolean => /^9+$/.test(String(value))
  if (version.major >= 999 && allNines(version.major)) return true
  return allNines(version.major) && allNines(version.minor) && allNines(version.patch)
}

export interface PublisherChange {
  /** Who published this version. */
  publisher: string
  /** Everyone who published an earlier version, most recent first. */
  previousPublishers: string[]
}

/**
 * The publisher of `current` when no earlier version was published by them;
 * null when they published before, or when it cannot be told (publisher
 * unknown, no earlier versions, or no earlier publisher known).
 */
export function publisherChange(current: VersionFacts, previous: VersionFacts[]): PublisherChange | null {
  if (current.publisher === null) return null
  const previousPublishers = [...new Set(previous
    .map((facts) => facts.publisher)
    .filter((publisher): publisher is string => publisher !== null)
    .reverse())]
  if (previousPublishers.length === 0 || previousPublishers.includes(current.publisher)) return null
  return { publisher: current.publisher, previousPublishers }
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

/** How much history an established package has before a release: enough releases over enough time. */
export const ESTABLISHED = { minReleases: 10, minSpanDays: 180, recentReleases: 5 } as const

export interface Lineage {
  /** At least ESTABLISHED.minReleases earlier releases, the first ESTABLISHED.minSpanDays or more before this one. */
  isEstablished: boolean
  /**
   * Whether this release's publisher published one of the recent earlier releases:
   * 'same', 'new' (someone else), or 'unknown' (the registry records no publishers).
   */
  publisher: 'same' | 'new' | 'unknown'
  /** The recent earlier releases all had provenance and this one has none. */
  hasLostProvenance: boolean
}

/**
 * The lineage of a release: does it come from an established package, from
 * the people who published its recent releases, with the provenance they had?
 * Compared with the recent releases only, not with any release ever.
 */
export function lineage(current: VersionFacts, previous: VersionFacts[]): Lineage {
  const times = previous.map((facts) => facts.publishedAt?.getTime()).filter((time): time is number => time !== undefined)
  const first = times.length > 0 ? Math.min(...times) : null
  const spanDays = first !== null && current.publishedAt ? (current.publishedAt.getTime() - first) / 86_400_000 : 0
  const recent = previous.slice(-ESTABLISHED.recentReleases)
  const recentPublishers = recent.map((facts) => facts.publisher).filter((publisher): publisher is string => publisher !== null)
  const publisher = current.publisher === null || recentPublishers.length === 0 ? 'unknown' : recentPublishers.includes(current.publisher) ? 'same' : 'new'
  return {
    isEstablished: previous.length >= ESTABLISHED.minReleases && spanDays >= ESTABLISHED.minSpanDays,
    publisher,
    hasLostProvenance: recent.length > 0 && recent.every((facts) => facts.hasProvenance) && !current.hasProvenance,
  }
}
