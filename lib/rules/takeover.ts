// A takeover of an established package seldom shows one signal alone: a new
// account, provenance its releases had gone missing, an install script (its
// own or a new dependency's), a dependency nobody had heard of, a release out
// of the package's rhythm, maintainers changed just before. Each alone is
// common in honest releases and only warned about by its own rule; two at
// once in one release of a package with a long history is the shape of
// event-stream, coa/rc, nx and the Shai-Hulud releases, and blocks.
// A signal whose facts the registry does not give (no publishers, made-up
// times) is unknown: it is listed, and never counts towards a block.
import {
  ESTABLISHED,
  hasCredibleTimes,
  lineage,
  lowerVersions,
  newInstallScript,
  parseVersion,
  recentOfLine,
  trustDowngrade,
  versionSkip,
} from '../heuristics/version-signals.js'
import type { PackageFacts, PackageView, RawFinding, Rule, RuleContext, VersionFacts } from '../model/rule.js'
import { declaredInstallScriptsOf } from './install-scripts.js'
import { history, predecessor } from './version-history.js'

const DAY_MS = 86_400_000

/** The thresholds, documented in the README (rule `takeover`). */
export const TAKEOVER = {
  /** Signals that block together. */
  minSignals: 2,
  /**
   * Releases within a day of this one belong to the same burst (nx, coa, rc and
   * ua-parser-js published several versions at once): its content is compared
   * with the release before the burst.
   */
  burstDays: 1,
  /**
   * An account or a maintainer list first seen in the 30 days before this
   * release is new (event-stream's new maintainer published a harmless release
   * four days before the one that added flatmap-stream).
   */
  newcomerDays: 30,
  /** A newly added dependency first published less than 90 days before this release is young. */
  youngDependencyDays: 90,
  /** Silence that is out of rhythm: a year or more, and four times the package's usual gap (of at least 5 gaps). */
  dormantDays: 365,
  dormantFactor: 4,
  minGaps: 5,
  /** A release public for more than a year without being pulled is reported, not blocked. */
  settledDays: 365,
} as const

type SignalId = 'new-publisher' | 'lost-trust' | 'install-script' | 'young-dependency' | 'cadence' | 'maintainers-changed'

interface Signal {
  id: SignalId
  state: 'present' | 'absent' | 'unknown'
  /** What was seen, for a present signal; why it is unknown, for an unknown one. */
  detail?: string
}

const LABELS: Record<SignalId, string> = {
  'new-publisher': 'new publisher',
  'lost-trust': 'lost provenance',
  'install-script': 'new install script',
  'young-dependency': 'young new dependency',
  cadence: 'out of cadence',
  'maintainers-changed': 'maintainers changed',
}

const days = (ms: number): number => Math.round(ms / DAY_MS)
const inDays = (ms: number): string => (days(ms) === 1 ? '1 day' : `${days(ms)} days`)
const timeOf = (facts: VersionFacts): number | null => facts.publishedAt?.getTime() ?? null

/** A tree node brought in by a dependency the release newly adds. */
interface AddedDependency {
  name: string
  found: { pkg: PackageView; facts: PackageFacts } | undefined
}

/** What one release is compared with: its history in an order that can be trusted. */
interface Baseline {
  current: VersionFacts
  /** The package's releases before this one, oldest first (by time when times are credible, else by version). */
  earlier: VersionFacts[]
  /** Whether publish times can be read as times (hasCredibleTimes). */
  hasTimes: boolean
  /** Earlier releases published at least `days` before this one (all of `earlier` when times are not credible). */
  before(days: number): VersionFacts[]
}

function baselineOf(current: VersionFacts, versions: VersionFacts[], earlierByTime: VersionFacts[]): Baseline {
  const hasTimes = hasCredibleTimes(versions) && current.publishedAt !== null
  const earlier = hasTimes ? earlierByTime : lowerVersions(current, versions)
  const at = timeOf(current)
  return {
    current,
    earlier,
    hasTimes,
    before: (count) => (hasTimes && at !== null ? earlier.filter((facts) => (timeOf(facts) ?? Infinity) <= at - count * DAY_MS) : earlier),
  }
}

function publisherSignal(base: Baseline): Signal {
  // A release published through a trusted publisher (OIDC) is bound to its repository: a stronger
  // identity than any account. And a manual release after OIDC ones is the lost-trust signal: the
  // account name changing with it is the same fact, not a second one. So people are compared with people.
  if (base.current.hasTrustedPublisher) return { id: 'new-publisher', state: 'absent' }
  const people = base.before(TAKEOVER.newcomerDays).filter((facts) => !facts.hasTrustedPublisher)
  const line = lineage(base.current, people)
  if (line.publisher === 'unknown') return { id: 'new-publisher', state: 'unknown', detail: 'the registry records no publishers' }
  if (line.publisher === 'same') return { id: 'new-publisher', state: 'absent' }
  return { id: 'new-publisher', state: 'present', detail: `"${base.current.publisher}" published none of its recent releases (by ${line.recentPublishers.slice(0, 3).join(', ')})` }
}

function trustSignal(base: Baseline, settled: VersionFacts[]): Signal {
  const recent = recentOfLine(base.current, settled)
  const lost = trustDowngrade(base.current, recent).filter((downgrade) => downgrade.versionsWithoutSince === 0)
  if (lost.length === 0) return { id: 'lost-trust', state: 'absent' }
  const what = lost.map((downgrade) => (downgrade.signal === 'provenance' ? 'provenance' : 'its trusted publisher')).join(' and ')
  return { id: 'lost-trust', state: 'present', detail: `no ${what}, which ${lost[0].lastVersionWith} had` }
}

function hasInstallScript(found: { pkg: PackageView; facts: PackageFacts }): boolean {
  return found.pkg.hasInstallScript || Object.keys(declaredInstallScriptsOf(found.pkg, found.facts)).length > 0
}

function installScriptSignal(base: Baseline, before: VersionFacts | null, added: AddedDependency[] | null): Signal {
  const own = newInstallScript(base.current, before)
  if (own.length > 0) return { id: 'install-script', state: 'present', detail: `adds ${own.map((event) => `${event}: ${base.current.scripts[event]}`).join(', ')}` }
  const scripted = (added ?? []).filter((dependency) => dependency.found && hasInstallScript(dependency.found))
  if (scripted.length > 0) return { id: 'install-script', state: 'present', detail: `its new dependency ${scripted.map((dependency) => dependency.name).join(', ')} has an install script` }
  if (added === null) return { id: 'install-script', state: 'unknown', detail: 'the registry does not list the dependencies of both releases' }
  const unseen = added.filter((dependency) => !dependency.found)
  if (unseen.length > 0) return { id: 'install-script', state: 'unknown', detail: `its new dependency ${unseen.map((dependency) => dependency.name).join(', ')} is not in the tree` }
  return { id: 'install-script', state: 'absent' }
}

function youngDependencySignal(base: Baseline, added: AddedDependency[] | null): Signal {
  if (added === null) return { id: 'young-dependency', state: 'unknown', detail: 'the registry does not list the dependencies of both releases' }
  if (added.length === 0) return { id: 'young-dependency', state: 'absent' }
  if (!base.hasTimes) return { id: 'young-dependency', state: 'unknown', detail: 'the registry\'s publish times do not follow version order' }
  const at = timeOf(base.current)!
  let isUnknown = false
  for (const dependency of added) {
    const versions = dependency.found?.facts.versions
    const firstTimes = (versions ?? []).map(timeOf).filter((time): time is number => time !== null)
    if (!versions || firstTimes.length === 0) {
      isUnknown = true
      continue
    }
    const first = Math.min(...firstTimes)
    if (first > at - TAKEOVER.youngDependencyDays * DAY_MS) {
      const age = first <= at ? `first published ${inDays(at - first)} before it` : 'first published after it'
      return { id: 'young-dependency', state: 'present', detail: `its new dependency ${dependency.name} was ${age}` }
    }
  }
  return isUnknown ? { id: 'young-dependency', state: 'unknown', detail: 'a new dependency has no known history' } : { id: 'young-dependency', state: 'absent' }
}

/** The usual gap between releases, and whether the burst this release opens (or joins) ends a silence far longer than that. */
function dormancy(base: Baseline): string | null {
  const at = timeOf(base.current)!
  const quiet = base.before(TAKEOVER.newcomerDays)
  const times = quiet.map(timeOf).filter((time): time is number => time !== null).sort((a, b) => a - b)
  if (times.length < TAKEOVER.minGaps + 1) return null
  const burstStart = Math.min(at, ...base.earlier.map(timeOf).filter((time): time is number => time !== null && time > times[times.length - 1]))
  const gaps = times.slice(1).map((time, index) => time - times[index]).sort((a, b) => a - b)
  const usual = gaps[Math.floor(gaps.length / 2)]
  const silence = burstStart - times[times.length - 1]
  if (silence < TAKEOVER.dormantDays * DAY_MS || silence < TAKEOVER.dormantFactor * usual) return null
  return `the first release after ${inDays(silence)} of silence (usual gap: ${inDays(usual)})`
}

/** Whether the package skipped numbers before (a monorepo in fixed mode does on most releases): then a skip is its usual cadence. */
function hasSkippedBefore(settled: VersionFacts[]): boolean {
  const stable = settled
    .map((facts) => ({ version: facts.version, parsed: parseVersion(facts.version) }))
    .filter((entry) => entry.parsed !== null && entry.parsed.prerelease.length === 0)
    .sort((a, b) => a.parsed!.compare(b.parsed!))
  return stable.some((entry, index) => index > 0 && versionSkip(entry.version, stable[index - 1].version) !== null)
}

function cadenceSignal(base: Baseline, settled: VersionFacts[]): Signal {
  const before = predecessor(base.current, base.earlier)
  const skip = before ? versionSkip(base.current.version, before.version) : null
  if (skip && !hasSkippedBefore(settled)) return { id: 'cadence', state: 'present', detail: skip }
  if (!base.hasTimes) return { id: 'cadence', state: 'unknown', detail: 'the registry\'s publish times do not follow version order' }
  const silence = dormancy(base)
  return silence ? { id: 'cadence', state: 'present', detail: silence } : { id: 'cadence', state: 'absent' }
}

function maintainersSignal(base: Baseline): Signal {
  const current = base.current.maintainers
  const reference = base.before(TAKEOVER.newcomerDays).filter((facts) => facts.maintainers !== undefined).pop()
  const before = reference?.maintainers
  if (!current || !before) return { id: 'maintainers-changed', state: 'unknown', detail: 'the registry lists no maintainers per version' }
  // The publisher joining is the new-publisher signal already: the same fact is not counted twice.
  const added = current.filter((name) => !before.includes(name) && name !== base.current.publisher)
  const removed = before.filter((name) => !current.includes(name))
  if (added.length === 0 && removed.length === 0) return { id: 'maintainers-changed', state: 'absent' }
  const change = [added.length > 0 ? `added ${added.join(', ')}` : '', removed.length > 0 ? `removed ${removed.join(', ')}` : ''].filter(Boolean).join(', ')
  return { id: 'maintainers-changed', state: 'present', detail: `${change} since ${reference!.version}` }
}

/** The dependencies this release adds to the one before it, with their nodes in the tree; null when either list is not known. */
function addedDependencies(pkg: PackageView, current: VersionFacts, before: VersionFacts | null, context: RuleContext): AddedDependency[] | null {
  if (!before || !current.dependencies || !before.dependencies) return null
  return current.dependencies
    .filter((name) => !before.dependencies!.includes(name))
    .map((name) => {
      const location = pkg.dependencyLocations?.[name]
      return { name, found: location === undefined ? undefined : context.packageAt?.(location) }
    })
}

/** Every takeover signal of one release of an established package; null when the package is not established. */
function takeoverSignals(pkg: PackageView, facts: PackageFacts, context: RuleContext): { signals: Signal[]; base: Baseline; before: VersionFacts | null } | null {
  const known = history(facts)
  if (!known || !facts.versions) return null
  const base = baselineOf(known.current, facts.versions, known.earlier)
  const first = base.earlier.map(timeOf).filter((time): time is number => time !== null)
  const spanDays = base.hasTimes && first.length > 0 ? days(timeOf(base.current)! - Math.min(...first)) : null
  // With times that cannot be read, the count of releases alone says established.
  if (base.earlier.length < ESTABLISHED.minReleases || (spanDays !== null && spanDays < ESTABLISHED.minSpanDays)) return null
  const settled = base.before(TAKEOVER.burstDays)
  const before = predecessor(base.current, recentOfLine(base.current, settled)) ?? predecessor(base.current, settled)
  const added = addedDependencies(pkg, base.current, before, context)
  return {
    base,
    before,
    signals: [
      publisherSignal(base),
      trustSignal(base, settled),
      installScriptSignal(base, before, added),
      youngDependencySignal(base, added),
      cadenceSignal(base, settled),
      maintainersSignal(base),
    ],
  }
}

export const takeoverRule: Rule = {
  meta: {
    id: 'takeover',
    description: `Two or more signals of an account takeover meet in one release of an established package (${ESTABLISHED.minReleases}+ earlier releases over ${ESTABLISHED.minSpanDays}+ days): new publisher, lost provenance, a new install script (its own or a new dependency's), a young new dependency, a release out of cadence, maintainers changed just before.`,
    defaultSeverity: 'block',
    messages: {
      'takeover-pattern': '{name}@{version} shows {count} signals of a takeover: {signals}{unknown}',
      'takeover-pattern-settled': '{name}@{version} showed {count} signals of a takeover when it was published {age} days ago: {signals}{unknown}',
    },
    hints: {
      'takeover-pattern': 'Keep {name}@{previous} and compare the two (npm diff --diff={name}@{previous} --diff={name}@{version}); if the change is known and wanted, add an exception for {name}@{version}.',
      'takeover-pattern-settled': 'It has been public for over a year without being pulled; compare it with the release before it if it is new to this project.',
    },
    severities: { 'takeover-pattern-settled': { atMost: 'warn' } },
    needs: () => ({ facts: true }),
  },
  check(pkg, facts, context): RawFinding[] {
    if (pkg.source !== 'registry') return []
    const found = takeoverSignals(pkg, facts, context)
    if (!found) return []
    const present = found.signals.filter((signal) => signal.state === 'present')
    if (present.length < TAKEOVER.minSignals) return []
    const unknown = found.signals.filter((signal) => signal.state === 'unknown')
    const args = {
      name: pkg.name,
      version: pkg.version,
      count: present.length,
      signals: present.map((signal) => `${LABELS[signal.id]} — ${signal.detail}`).join('; '),
      unknown: unknown.length > 0 ? `; not known: ${unknown.map((signal) => LABELS[signal.id]).join(', ')}` : '',
      signalIds: present.map((signal) => signal.id).join(','),
      previous: found.before?.version ?? 'the release before it',
    }
    const published = timeOf(found.base.current)
    const age = found.base.hasTimes && published !== null ? context.now.getTime() - published : null
    if (age !== null && age > TAKEOVER.settledDays * DAY_MS) return [{ messageId: 'takeover-pattern-settled', args: { ...args, age: days(age) } }]
    return [{ messageId: 'takeover-pattern', args }]
  },
}
