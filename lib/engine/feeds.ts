// Threat intelligence, gathered once per run for every registry package and
// shared by the rules as facts: malware feeds (the registry's bulk advisory
// endpoint, the OSV API, offline OSV datasets, deny lists) and the
// dependency-confusion probe. A feed that cannot be read is a FeedProblem the
// policy judges; it is never skipped silently. Every request goes out through
// lib/npm/registry-fetch.ts, so npm's proxy, CA, time-out and offline settings
// apply, and only the registry itself ever sees the registry's credentials.
import { describeError } from '../errors.js'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import {
  advisoryFromBulkAdvisory,
  advisoryFromDenyListEntry,
  advisoryFromOsvEntry,
  advisoryFromOsvId,
} from '../feeds/advisory.js'
import { DenyList, parseDenyList } from '../feeds/deny-list.js'
import { EndpointMemory } from '../feeds/endpoint-memory.js'
import { FeedAnswerCache, dropFeedAnswers } from '../feeds/answer-cache.js'
import { cachedFetch } from '../feeds/feed-cache.js'
import { loadOsvDatasetWithDetails } from '../feeds/osv-dataset.js'
import { packageKey, queryOsvBatch, queryOsvFixes, type PackageVersion } from '../feeds/osv-api.js'
import { isVersionInAdvisory, parseBulkAdvisoryList } from '../feeds/registry-advisories.js'
import { requireSecureUrl } from '../feeds/secure-url.js'
import type { EffectivePolicy } from '../model/policy.js'
import { matchesName } from '../model/package-pattern.js'
import { registryFor } from '../model/registry-url.js'
import type { Advisory, FeedProblem, PackageView, ProbeAnswer } from '../model/rule.js'
import { safeNpmCacheDir } from '../npm/npm-config.js'
import { registryJson, thirdPartyJson } from '../npm/registry-fetch.js'

export interface IntelOptions {
  /** npm's flat options: registry, auth, proxy, CA, fetch-timeout, offline. */
  npmOptions: Record<string, any>
  defaultRegistry: string
  scopedRegistries: Record<string, string>
  /** Where downloaded feeds and dataset indexes are kept. */
  cacheDir: string
  /** Relative feed paths are resolved against the policy's project directory. */
  projectDir: string
  /** Refetch feeds regardless of their max age (`safe-npm intel update`). */
  isRefresh?: boolean
  /** Fixed once per run. */
  now?: Date
}

export interface IntelResult {
  /** `name@version` → what the feeds say about it. */
  advisories: Map<string, Advisory[]>
  problems: FeedProblem[]
  /** What each feed contributed, for `safe-npm intel status`. */
  feeds: FeedStatus[]
  /** Things worth one line that are not problems (a registry without the bulk advisory endpoint). */
  notes: RunNote[]
}

export interface FeedStatus {
  feed: string
  /** not-offered: the registry has no such endpoint (and never had one that safe-npm saw). */
  state: 'ok' | 'stale' | 'unreachable' | 'not-offered'
  detail: string
}

export interface RunNote {
  code: string
  message: string
  /** Already shown within the last day: a text report leaves it out. */
  isRepeat: boolean
}

/** Answers meaning "this registry does not offer the endpoint", as opposed to "it failed". */
const NOT_OFFERED_STATUS = new Set([404, 405, 501])

/** Where safe-npm keeps feed caches: beside npm's own cache. */
export const intelCacheDir = safeNpmCacheDir


const isUrl = (location: string) => /^https?:\/\//i.test(location)

class Collector {
  readonly advisories = new Map<string, Advisory[]>()
  readonly problems: FeedProblem[] = []
  readonly feeds: FeedStatus[] = []
  readonly notes: RunNote[] = []

  add(name: string, version: string, advisory: Advisory): void {
    const key = packageKey({ name, version })
    const list = this.advisories.get(key) ?? []
    if (!list.some((known) => known.id === advisory.id && known.source === advisory.source)) list.push(advisory)
    this.advisories.set(key, list)
  }

  fail(feed: string, error: unknown): void {
    const reason = describeError(error)
    this.problems.push({ feed, reason })
    this.feeds.push({ feed, state: 'unreachable', detail: reason })
  }
}

/** How the live feeds' cached answers are used in this run. */
interface AnswerPolicy {
  maxAgeMs: number
  /** `--prefer-online` or `intel update`: ask again whatever the age. */
  isRefresh: boolean
  /** `--offline`: nothing is asked; cached answers of any age are used. */
  isOffline: boolean
}

function answerPolicy(options: IntelOptions, maxAgeMs: number): AnswerPolicy {
  return { maxAgeMs, isRefresh: Boolean(options.isRefresh || options.npmOptions.preferOnline), isOffline: Boolean(options.npmOptions.offline) }
}

const isAdvisoryList = (value: unknown): value is Advisory[] =>
  Array.isArray(value) && value.every((entry) => entry && typeof entry.id === 'string' && typeof entry.source === 'string' && typeof entry.summary === 'string' && typeof entry.isMalware === 'boolean')

/**
 * Which of these `name@version` keys must be asked live, and the cached
 * answers of the others: fresh ones unless refreshing; offline, any age.
 */
function splitByCache<T>(keys: string[], cache: FeedAnswerCache<T>, how: AnswerPolicy, now: Date): { cached: Map<string, T>; toAsk: string[] } {
  const cached = new Map<string, T>()
  const toAsk: string[] = []
  for (const key of keys) {
    const answer = how.isOffline ? cache.get(key)?.answer : how.isRefresh ? undefined : cache.fresh(key, now, how.maxAgeMs)
    if (answer === undefined) toAsk.push(key)
    else cached.set(key, answer)
  }
  return { cached, toAsk }
}

/** A feed that could not answer for `toAsk`: older cached answers still count (they only add findings), the outage is still a problem. */
function failWithStaleAnswers<T>(feed: string, error: unknown, toAsk: string[], cache: FeedAnswerCache<T>, collector: Collector, use: (key: string, answer: T) => void): void {
  let stale = 0
  for (const key of toAsk) {
    const entry = cache.get(key)
    if (entry) {
      use(key, entry.answer)
      stale++
    }
  }
  const reason = describeError(error)
  const detail = stale > 0 ? `${reason}; older cached answers used for ${stale} of ${toAsk.length} package versions, the others are unanswered` : reason
  collector.problems.push({ feed, reason: detail })
  collector.feeds.push({ feed, state: 'unreachable', detail })
}

const splitKey = (key: string): { name: string; version: string } => {
  const at = key.lastIndexOf('@')
  return { name: key.slice(0, at), version: key.slice(at + 1) }
}

/**
 * The registry's bulk advisory endpoint (what npm audit asks), one request per
 * registry of the packages, and per registry in `alsoAsk` even with nothing to
 * ask about. What it said about each version is cached (see answer-cache.ts):
 * only versions without a fresh answer are asked.
 */
async function askRegistryAdvisories(
  packages: PackageVersion[],
  options: IntelOptions & { unreachable: 'block' | 'warn'; maxAgeMs: number },
  collector: Collector,
  alsoAsk: string[] = [],
): Promise<void> {
  const memory = await new EndpointMemory(options.cacheDir).load()
  const now = options.now ?? new Date()
  const how = answerPolicy(options, options.maxAgeMs)
  const byRegistry = new Map<string, Set<string>>(alsoAsk.map((registry) => [registry, new Set()]))
  for (const pkg of packages) {
    const registry = registryFor(pkg.name, options.scopedRegistries, options.defaultRegistry)
    byRegistry.set(registry, (byRegistry.get(registry) ?? new Set()).add(packageKey(pkg)))
  }
  for (const [registry, keys] of byRegistry) {
    const feed = `registry-advisories:${registry}`
    const cache = await new FeedAnswerCache<Advisory[]>(options.cacheDir, feed).load(isAdvisoryList)
    const { cached, toAsk } = splitByCache([...keys], cache, alsoAsk.includes(registry) ? { ...how, isRefresh: true } : how, now)
    const use = (key: string, advisories: Advisory[]) => {
      const { name, version } = splitKey(key)
      for (const advisory of advisories) collector.add(name, version, advisory)
    }
    for (const [key, advisories] of cached) use(key, advisories)
    const cachedNote = cached.size > 0 ? `, ${cached.size} answered from the cache` : ''
    if (toAsk.length === 0 && !alsoAsk.includes(registry)) {
      collector.feeds.push({ feed, state: 'ok', detail: `asked about nothing: every one of ${cached.size} package versions answered from the cache` })
      continue
    }
    if (how.isOffline) {
      failWithStaleAnswers(feed, new Error(`offline: ${toAsk.length} package versions have no cached answer`), toAsk, cache, collector, use)
      continue
    }
    // A registry that said it does not offer the endpoint is not asked again the same day
    // (unless refreshing, or when every unread feed must block).
    const notOfferedSince = how.isRefresh || alsoAsk.includes(registry) || options.unreachable === 'block' ? null : memory.notOfferedSince(feed, now)
    if (notOfferedSince) {
      const detail = `${registry} does not offer the bulk advisory endpoint (it said so at ${notOfferedSince.toISOString()}; asked again a day later, or with --prefer-online), so the registry's malware advisories are not checked there`
      collector.feeds.push({ feed, state: 'not-offered', detail })
      collector.notes.push({ code: 'registry-advisories-not-offered', message: `${detail}; see safe-npm intel status`, isRepeat: !memory.takeNote(feed, now) })
      continue
    }
    const body = new Map<string, Set<string>>()
    for (const key of toAsk) {
      const { name, version } = splitKey(key)
      body.set(name, (body.get(name) ?? new Set()).add(version))
    }
    try {
      const answer = await registryJson(registry, '/-/npm/v1/security/advisories/bulk', options.npmOptions, {
        method: 'POST',
        json: Object.fromEntries([...body].map(([name, versions]) => [name, [...versions]])),
      })
      const found = new Map<string, Advisory[]>(toAsk.map((key) => [key, []]))
      let matched = 0
      for (const advisory of parseBulkAdvisoryList(answer)) {
        for (const version of body.get(advisory.name) ?? []) {
          if (isVersionInAdvisory(advisory, version)) {
            found.get(packageKey({ name: advisory.name, version }))?.push(advisoryFromBulkAdvisory(advisory))
            matched++
          }
        }
      }
      for (const [key, advisories] of found) {
        use(key, advisories)
        cache.set(key, advisories, now)
      }
      collector.feeds.push({ feed, state: 'ok', detail: `asked about ${body.size} packages, ${matched} advisories apply${cachedNote}` })
      memory.markAnswered(feed, now)
    } catch (error) {
      const status = (error as { statusCode?: number | null }).statusCode
      // A registry that never offered the endpoint (many mirrors) is not an outage: one
      // quiet note a day, unless the policy wants every unread feed to block.
      if (status != null && NOT_OFFERED_STATUS.has(status) && !memory.hasAnswered(feed) && options.unreachable !== 'block') {
        const detail = `${registry} does not offer the bulk advisory endpoint (answered ${status}), so the registry's malware advisories are not checked there`
        collector.feeds.push({ feed, state: 'not-offered', detail })
        collector.notes.push({ code: 'registry-advisories-not-offered', message: `${detail}; see safe-npm intel status`, isRepeat: !memory.takeNote(feed, now) })
        memory.markNotOffered(feed, now)
      } else {
        failWithStaleAnswers(feed, error, toAsk, cache, collector, use)
      }
    }
    await cache.save(now)
  }
  await memory.save()
}

const isIdList = (value: unknown): value is string[] => Array.isArray(value) && value.every((id) => typeof id === 'string')

/** The OSV API's malware ids per version, cached like the registry's answers. */
async function askOsvApi(packages: PackageVersion[], policy: EffectivePolicy, options: IntelOptions, collector: Collector): Promise<void> {
  const feed = `osv-api:${policy.intel.osv.url}`
  const now = options.now ?? new Date()
  const how = answerPolicy(options, policy.intel.maxAgeMs)
  const cache = await new FeedAnswerCache<string[]>(options.cacheDir, feed).load(isIdList)
  const { cached, toAsk } = splitByCache([...new Set(packages.map(packageKey))], cache, how, now)
  const use = (key: string, ids: string[]) => {
    const { name, version } = splitKey(key)
    for (const id of ids) collector.add(name, version, advisoryFromOsvId(id, name))
  }
  for (const [key, ids] of cached) use(key, ids)
  if (toAsk.length === 0) {
    collector.feeds.push({ feed, state: 'ok', detail: `asked about nothing: every one of ${cached.size} package versions answered from the cache` })
    return
  }
  if (how.isOffline) return failWithStaleAnswers(feed, new Error(`offline: ${toAsk.length} package versions have no cached answer`), toAsk, cache, collector, use)
  try {
    const answers = await queryOsvBatch(toAsk.map(splitKey), { baseUrl: policy.intel.osv.url, npmOptions: options.npmOptions })
    for (const key of toAsk) {
      const ids = answers.get(key) ?? []
      use(key, ids)
      cache.set(key, ids, now)
    }
    collector.feeds.push({ feed, state: 'ok', detail: `asked about ${toAsk.length} packages, ${answers.size} reported${cached.size > 0 ? `, ${cached.size} answered from the cache` : ''}` })
  } catch (error) {
    failWithStaleAnswers(feed, error, toAsk, cache, collector, use)
  }
  await cache.save(now)
}

/**
 * What OSV says about the versions being replaced, fixed ranges included (for
 * minimumReleaseAge.allowSecurityFixes); cached like every live answer.
 */
async function askOsvFixes(replaced: PackageVersion[], policy: EffectivePolicy, options: IntelOptions, collector: Collector): Promise<void> {
  const feed = `osv-api:${policy.intel.osv.url}#fixes`
  const now = options.now ?? new Date()
  const cache = await new FeedAnswerCache<Advisory[]>(options.cacheDir, feed).load(isAdvisoryList)
  const { cached, toAsk } = splitByCache([...new Set(replaced.map(packageKey))], cache, answerPolicy(options, policy.intel.maxAgeMs), now)
  const use = (key: string, advisories: Advisory[]) => {
    const { name, version } = splitKey(key)
    for (const advisory of advisories) collector.add(name, version, advisory)
  }
  for (const [key, advisories] of cached) use(key, advisories)
  if (toAsk.length === 0) return
  if (options.npmOptions.offline) return failWithStaleAnswers(feed, new Error(`offline: ${toAsk.length} package versions have no cached answer`), toAsk, cache, collector, use)
  try {
    const answers = await queryOsvFixes(toAsk.map(splitKey), { baseUrl: policy.intel.osv.url, npmOptions: options.npmOptions })
    for (const key of toAsk) {
      const { name } = splitKey(key)
      const advisories = (answers.get(key) ?? []).map((fix): Advisory => ({
        id: fix.id,
        source: 'osv-api',
        summary: fix.summary ?? `${fix.isMalware ? 'Malicious code' : 'Vulnerability'} in ${name} (${fix.id})`,
        isMalware: fix.isMalware,
        url: `https://osv.dev/vulnerability/${fix.id}`,
        fixedIn: fix.fixed,
      }))
      use(key, advisories)
      cache.set(key, advisories, now)
    }
  } catch (error) {
    failWithStaleAnswers(feed, error, toAsk, cache, collector, use)
  }
  await cache.save(now)
}

async function readDatasets(packages: PackageView[], policy: EffectivePolicy, options: IntelOptions, collector: Collector): Promise<void> {
  for (const location of policy.intel.datasets) {
    const feed = `osv-dataset:${location}`
    try {
      const { index, fromCache } = await loadOsvDatasetWithDetails(path.resolve(options.projectDir, location), options.cacheDir)
      for (const pkg of packages) {
        for (const entry of index.lookup(pkg.name, pkg.version)) collector.add(pkg.name, pkg.version, advisoryFromOsvEntry(entry, feed))
      }
      collector.feeds.push({ feed, state: 'ok', detail: `${index.size} malware entries${fromCache ? ' (index cached)' : ' (indexed now)'}` })
    } catch (error) {
      collector.fail(feed, error)
    }
  }
}

async function readDenyLists(packages: PackageView[], policy: EffectivePolicy, options: IntelOptions, collector: Collector): Promise<void> {
  for (const location of policy.intel.denyLists) {
    const feed = `deny-list:${location}`
    try {
      let text: string
      let detail = ''
      if (isUrl(location)) {
        const fetched = await cachedFetch(location, {
          cacheDir: options.cacheDir,
          maxAgeMs: options.isRefresh ? 0 : policy.intel.maxAgeMs,
          npmOptions: options.npmOptions,
        })
        text = fetched.body
        detail = `fetched ${fetched.fetchedAt.toISOString()}`
        if (fetched.stale) {
          collector.problems.push({ feed, reason: `unreachable (${fetched.staleReason}); using the copy from ${fetched.fetchedAt.toISOString()}` })
        }
      } else {
        text = await readFile(path.resolve(options.projectDir, location), 'utf8')
      }
      const list = new DenyList(parseDenyList(text, location))
      for (const pkg of packages) {
        for (const entry of list.lookup(pkg.name, pkg.version)) collector.add(pkg.name, pkg.version, advisoryFromDenyListEntry(entry))
      }
      collector.feeds.push({ feed, state: 'ok', detail: detail || 'read from disk' })
    } catch (error) {
      collector.fail(feed, error)
    }
  }
}

/**
 * What each configured feed holds and whether it answers, for `safe-npm intel
 * status` (and `intel update`, which refetches downloaded feeds first).
 * Live feeds are asked a question about nothing, to see that they answer.
 */
export async function feedStatus(policy: EffectivePolicy, options: IntelOptions): Promise<FeedStatus[]> {
  const collector = new Collector()
  const nothing: PackageView[] = []
  const registries = [...new Set([options.defaultRegistry, ...Object.values(options.scopedRegistries)])]
  if (options.isRefresh) {
    // intel update: the next check asks the live feeds about every version again.
    await Promise.all([...registries.map((registry) => `registry-advisories:${registry}`), `osv-api:${policy.intel.osv.url}`].map((feed) => dropFeedAnswers(options.cacheDir, feed)))
  }
  await Promise.all([
    policy.intel.registryAdvisories
      ? askRegistryAdvisories(nothing, { ...options, unreachable: policy.intel.unreachable, maxAgeMs: policy.intel.maxAgeMs }, collector, registries)
      : undefined,
    // A question about a package nobody publishes shows whether the API answers (never cached: isRefresh).
    policy.intel.osv.enabled
      ? askOsvApi([{ name: 'safe-npm-feed-check', version: '0.0.0' }], policy, { ...options, isRefresh: true }, collector)
      : undefined,
    readDatasets(nothing, policy, options, collector),
    readDenyLists(nothing, policy, options, collector),
  ])
  for (const status of collector.feeds) {
    if (status.state === 'ok' && /^(registry-advisories|osv-api):/.test(status.feed)) {
      status.detail = `answers; asked about each package version, the answer kept for ${policy.intel.maxAge} (intel.maxAge)`
    }
    const problem = collector.problems.find((candidate) => candidate.feed === status.feed)
    if (status.state === 'ok' && problem) Object.assign(status, { state: 'stale', detail: `${status.detail}; ${problem.reason}` })
  }
  return collector.feeds
}

/** The versions being replaced that a security fix would be judged against (minimumReleaseAge.allowSecurityFixes). */
export function replacedVersionsOf(packages: PackageView[], policy: EffectivePolicy): PackageVersion[] {
  if (!policy.minimumReleaseAge.allowSecurityFixes) return []
  return packages.flatMap((pkg) => (pkg.source === 'registry' && pkg.replacesVersion ? [{ name: pkg.name, version: pkg.replacesVersion }] : []))
}

export async function gatherIntel(packages: PackageView[], policy: EffectivePolicy, options: IntelOptions): Promise<IntelResult> {
  const collector = new Collector()
  const registryPackages = packages.filter((pkg) => pkg.source === 'registry')
  const replaced = replacedVersionsOf(registryPackages, policy)
  if (registryPackages.length > 0) {
    await Promise.all([
      policy.intel.registryAdvisories
        ? askRegistryAdvisories([...registryPackages, ...replaced], { ...options, unreachable: policy.intel.unreachable, maxAgeMs: policy.intel.maxAgeMs }, collector)
        : undefined,
      policy.intel.osv.enabled ? askOsvApi(registryPackages, policy, options, collector) : undefined,
      policy.intel.osv.enabled && replaced.length > 0 ? askOsvFixes(replaced, policy, options, collector) : undefined,
      readDatasets(registryPackages, policy, options, collector),
      readDenyLists(registryPackages, policy, options, collector),
    ])
  }
  return collector
}

/** A private name or a pinned scope to ask the public registry about. */
export interface ProbeTarget {
  name: string
  kind: 'name' | 'scope'
}

/**
 * What a dependency-confusion probe asks the public registry about: literal
 * private names, every package of the tree that is private by pattern or in a
 * pinned scope, and the pinned scopes themselves.
 */
export function probeTargets(packages: PackageView[], policy: EffectivePolicy): ProbeTarget[] {
  const names = new Set<string>()
  for (const pattern of Object.keys(policy.registries.private)) if (!/[*?[\]{}!]/.test(pattern)) names.add(pattern)
  for (const pkg of packages) {
    const scope = pkg.name.startsWith('@') ? pkg.name.split('/')[0] : null
    if (scope ? scope in policy.registries.scopes : Object.keys(policy.registries.private).some((pattern) => matchesName(pattern, pkg.name))) {
      names.add(pkg.name)
    }
  }
  return [
    ...Object.keys(policy.registries.scopes).sort().map((name): ProbeTarget => ({ name, kind: 'scope' })),
    ...[...names].sort().map((name): ProbeTarget => ({ name, kind: 'name' })),
  ]
}

/** Ask the public registry whether each private name (a package) or pinned scope (an organisation) exists there. */
export async function probePublicRegistry(targets: ProbeTarget[], policy: EffectivePolicy, options: IntelOptions): Promise<ProbeAnswer[]> {
  const registry = policy.dependencyConfusion.publicRegistry
  return Promise.all(
    targets.map(async ({ name, kind }): Promise<ProbeAnswer> => {
      const what = kind === 'scope' ? 'organisation' : 'package'
      try {
        const path = kind === 'scope' ? `-/org/${name.slice(1)}/package` : name.replace('/', '%2f')
        // A third-party request: the project's tokens never go to the public registry.
        const answer = await thirdPartyJson(new URL(path, requireSecureUrl(registry.endsWith('/') ? registry : `${registry}/`)).href, options.npmOptions, {
          headers: { accept: 'application/vnd.npm.install-v1+json' },
        })
        const detail =
          kind === 'scope'
            ? `${registry} has an organisation ${name} with ${Object.keys(answer ?? {}).length} public packages`
            : `${registry} has ${Object.keys(answer?.versions ?? {}).length} version(s) (latest ${answer?.['dist-tags']?.latest ?? 'none'})`
        return { name, kind, state: 'claimed', detail }
      } catch (error) {
        const err = error as { statusCode?: number; code?: string }
        if (err.statusCode === 404 || err.code === 'E404') return { name, kind, state: 'free', detail: `${registry} has no ${what} of that name` }
        return { name, kind, state: 'unknown', detail: describeError(error) }
      }
    }),
  )
}
