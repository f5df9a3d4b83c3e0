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
import { cachedFetch } from '../feeds/feed-cache.js'
import { loadOsvDatasetWithDetails } from '../feeds/osv-dataset.js'
import { packageKey, queryOsvBatch } from '../feeds/osv-api.js'
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

/**
 * The registry's bulk advisory endpoint (what npm audit asks), one request per
 * registry of the packages, and per registry in `alsoAsk` even with nothing to ask about.
 */
async function askRegistryAdvisories(
  packages: PackageView[],
  options: IntelOptions & { unreachable: 'block' | 'warn' },
  collector: Collector,
  alsoAsk: string[] = [],
): Promise<void> {
  const memory = await new EndpointMemory(options.cacheDir).load()
  const now = options.now ?? new Date()
  const byRegistry = new Map<string, Map<string, Set<string>>>(alsoAsk.map((registry) => [registry, new Map()]))
  for (const pkg of packages) {
    const registry = registryFor(pkg.name, options.scopedRegistries, options.defaultRegistry)
    const body = byRegistry.get(registry) ?? new Map<string, Set<string>>()
    body.set(pkg.name, (body.get(pkg.name) ?? new Set()).add(pkg.version))
    byRegistry.set(registry, body)
  }
  for (const [registry, body] of byRegistry) {
    const feed = `registry-advisories:${registry}`
    try {
      const answer = await registryJson(registry, '/-/npm/v1/security/advisories/bulk', options.npmOptions, {
        method: 'POST',
        json: Object.fromEntries([...body].map(([name, versions]) => [name, [...versions]])),
      })
      let matched = 0
      for (const advisory of parseBulkAdvisoryList(answer)) {
        for (const version of body.get(advisory.name) ?? []) {
          if (isVersionInAdvisory(advisory, version)) {
            collector.add(advisory.name, version, advisoryFromBulkAdvisory(advisory))
            matched++
          }
        }
      }
      collector.feeds.push({ feed, state: 'ok', detail: `asked about ${body.size} packages, ${matched} advisories apply` })
      memory.markAnswered(feed, now)
    } catch (error) {
      const status = (error as { statusCode?: number | null }).statusCode
      // A registry that never offered the endpoint (many mirrors) is not an outage: one
      // quiet note a day, unless the policy wants every unread feed to block.
      if (status != null && NOT_OFFERED_STATUS.has(status) && !memory.hasAnswered(feed) && options.unreachable !== 'block') {
        const detail = `${registry} does not offer the bulk advisory endpoint (answered ${status}), so the registry's malware advisories are not checked there`
        collector.feeds.push({ feed, state: 'not-offered', detail })
        collector.notes.push({ code: 'registry-advisories-not-offered', message: `${detail}; see safe-npm intel status`, isRepeat: !memory.takeNote(feed, now) })
      } else {
        collector.fail(feed, error)
      }
    }
  }
  await memory.save()
}

async function askOsvApi(packages: PackageView[], policy: EffectivePolicy, options: IntelOptions, collector: Collector): Promise<void> {
  const feed = `osv-api:${policy.intel.osv.url}`
  try {
    const answers = await queryOsvBatch(
      packages.map(({ name, version }) => ({ name, version })),
      { baseUrl: policy.intel.osv.url, npmOptions: options.npmOptions },
    )
    for (const pkg of packages) {
      for (const id of answers.get(packageKey(pkg)) ?? []) collector.add(pkg.name, pkg.version, advisoryFromOsvId(id, pkg.name))
    }
    collector.feeds.push({ feed, state: 'ok', detail: `asked about ${packages.length} packages, ${answers.size} reported` })
  } catch (error) {
    collector.fail(feed, error)
  }
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
  await Promise.all([
    policy.intel.registryAdvisories ? askRegistryAdvisories(nothing, { ...options, unreachable: policy.intel.unreachable }, collector, registries) : undefined,
    // A question about a package nobody publishes shows whether the API answers.
    policy.intel.osv.enabled
      ? askOsvApi([{ name: 'safe-npm-feed-check', version: '0.0.0' } as PackageView], policy, options, collector)
      : undefined,
    readDatasets(nothing, policy, options, collector),
    readDenyLists(nothing, policy, options, collector),
  ])
  for (const status of collector.feeds) {
    if (status.state === 'ok' && /^(registry-advisories|osv-api):/.test(status.feed)) status.detail = 'answers; asked live at every check'
    const problem = collector.problems.find((candidate) => candidate.feed === status.feed)
    if (status.state === 'ok' && problem) Object.assign(status, { state: 'stale', detail: `${status.detail}; ${problem.reason}` })
  }
  return collector.feeds
}

export async function gatherIntel(packages: PackageView[], policy: EffectivePolicy, options: IntelOptions): Promise<IntelResult> {
  const collector = new Collector()
  const registryPackages = packages.filter((pkg) => pkg.source === 'registry')
  if (registryPackages.length > 0) {
    await Promise.all([
      policy.intel.registryAdvisories ? askRegistryAdvisories(registryPackages, { ...options, unreachable: policy.intel.unreachable }, collector) : undefined,
      policy.intel.osv.enabled ? askOsvApi(registryPackages, policy, options, collector) : undefined,
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
