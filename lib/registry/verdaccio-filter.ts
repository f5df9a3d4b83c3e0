// safe-npm's policy as a Verdaccio filter plugin (`filters:` in config.yaml):
// every packument Verdaccio serves passes through filter_metadata, which takes
// out the versions the organisation policy blocks and repoints dist-tags, so
// npm, pnpm, Yarn and Bun clients resolve to allowed versions with nothing
// installed on developer machines. A name blocked as a whole is served with
// no versions. Facts, feed answers and the judgement of a packument are kept
// once for every client (a bounded LRU, see Remembered), and requests for a
// packument being judged wait for that one evaluation.
//
// Verdaccio serves a packument unfiltered when a filter throws, so this one
// never throws: anything it cannot judge is withheld (fail closed) and logged.
import { createHash } from 'node:crypto'
import { mkdirSync, statSync } from 'node:fs'
import path from 'node:path'
import { describeError } from '../errors.js'
import { gatherIntel } from '../engine/feeds.js'
import { parseDuration } from '../model/duration.js'
import type { EffectivePolicy } from '../model/policy.js'
import type { Advisory, FeedProblem, Finding, Rule } from '../model/rule.js'
import { summarisePackument, type PackumentSummary } from '../npm/packument-facts.js'
import { loadPolicy } from '../policy/load.js'
import { prepareRules } from '../engine/judge.js'
import { RULES } from '../rules/index.js'
import { applyDecision, decide, originOf, registryRules, versionView, type RegistryDecision } from './packument-filter.js'

/** The plugin's entry under `filters:` in Verdaccio's config.yaml. */
export interface SafeNpmFilterConfig {
  /** The organisation policy file (JSON or YAML); relative feed paths in it are read from its folder. */
  policy: string
  /** The URL clients reach this Verdaccio at (what the policy pins private names and scopes to). */
  url?: string
  /** Feed downloads and dataset indexes, shared by every client; default `<storage>/.safe-npm`. */
  cacheDir?: string
  /** How long the facts and feed answers of one packument are reused; default `10m`. */
  cacheMaxAge?: string
  /** Packuments kept in memory (their facts, feed answers and judgement); default 1000. */
  cacheEntries?: number
  /** Versions, summed over the packuments kept, at most (what the memory grows with: about 0.6 KiB each); default 200000. */
  cacheVersions?: number
  /**
   * How long the judgement of an unchanged packument is reused; default `1m`. Time alone can change
   * it (a version matures, an exception expires), so that shows this late at most; `0m` judges every request.
   */
  decisionMaxAge?: string
  /** How often, at most, the policy files are checked for a change (then reloaded, caches dropped); default 2 (seconds). */
  policyCheckSeconds?: number
  /**
   * A registry whose bulk advisory endpoint is asked (when `intel.registryAdvisories` is on) about
   * every name served here, private ones included; default none, so only datasets, deny lists and OSV apply.
   */
  advisoryRegistry?: string
}

interface VerdaccioLogger {
  info(fields: object, message: string): void
  warn(fields: object, message: string): void
  error(fields: object, message: string): void
}

interface PluginOptions {
  config: { storage?: string; uplinks?: Record<string, { url?: string }> }
  logger: VerdaccioLogger
}

interface Setup {
  /** What the effective policy hashes to: cached judgements belong to one policy. */
  fingerprint: string
  /** The policy files read, with what they looked like then (a change reloads the policy). */
  files: Array<{ file: string; version: string }>
  policy: EffectivePolicy
  rules: Rule[]
  intelPolicy: EffectivePolicy
  cacheDir: string
  projectDir: string
  advisoryRegistry: string | null
}

/**
 * What is kept of one packument, for one policy. Its size grows with the
 * packument's versions (a summary per version: times, publisher, scripts,
 * trust flags: about 0.6 KiB each, measured on 918 real packuments) plus the
 * findings of removed versions; at most `cacheEntries` of them and
 * `cacheVersions` versions in all are kept.
 */
interface Remembered {
  stamp: string
  fingerprint: string
  storedAt: number
  summary: PackumentSummary
  advisories: Map<string, Advisory[]>
  feedProblems: FeedProblem[]
  /** The last judgement of this packument and until when it may be reused. */
  judged?: { decision: RegistryDecision; until: number }
  /** What was last logged for the name, so each decision is logged once, not per request. */
  logged?: string
}

const describeFindings = (findings: Finding[]) => findings.map((finding) => ({ code: finding.code, message: finding.message }))

/** What a policy file looks like on disk, cheaply: a changed one is read again. */
function fileVersion(file: string): string {
  try {
    const stat = statSync(file)
    return `${stat.size}:${stat.mtimeMs}`
  } catch {
    return 'missing'
  }
}

/** How the plugin's memory is used, for operators' logs and the tests. */
export interface FilterCacheStats {
  entries: number
  /** Versions summed over the packuments kept. */
  versions: number
  /** Facts and feed answers gathered (one per packument change, policy change, or expiry). */
  gathered: number
  /** Judgements made (the rest of the requests reused one). */
  judged: number
  requests: number
  policyLoads: number
}

export default class SafeNpmFilter {
  private readonly logger: VerdaccioLogger
  private readonly ownUrl: string | null
  private readonly uplinks: string[]
  private readonly maxAgeMs: number
  private readonly maxEntries: number
  private readonly maxVersions: number
  /** Versions summed over `memory`. */
  private keptVersions = 0
  private readonly decisionMaxAgeMs: number
  private readonly policyCheckMs: number
  private readonly config: SafeNpmFilterConfig
  private readonly options: PluginOptions
  private ready: Promise<Setup>
  private policyCheckedAt = 0
  /** The policy files of the last load, as they were when read. */
  private watched: Array<{ file: string; version: string }> = []
  private fingerprint: string | null = null
  /** Name → facts, feed answers and judgement, least recently used first. */
  private readonly memory = new Map<string, Remembered>()
  /** In-flight gathering, per name, packument stamp and policy: concurrent requests share one. */
  private readonly pending = new Map<string, Promise<Remembered>>()
  private readonly counts = { gathered: 0, judged: 0, requests: 0, policyLoads: 0 }

  constructor(config: SafeNpmFilterConfig, options: PluginOptions) {
    this.config = config
    this.options = options
    this.logger = options.logger
    this.ownUrl = config?.url ? new URL(config.url).href : null
    this.uplinks = Object.values(options.config?.uplinks ?? {}).flatMap((uplink) => (uplink?.url ? [uplink.url] : []))
    this.maxAgeMs = parseDuration(config?.cacheMaxAge ?? '10m')
    this.maxEntries = Math.max(1, config?.cacheEntries ?? 1000)
    this.maxVersions = Math.max(1, config?.cacheVersions ?? 200_000)
    this.decisionMaxAgeMs = parseDuration(config?.decisionMaxAge ?? '1m')
    this.policyCheckMs = (config?.policyCheckSeconds ?? 2) * 1000
    this.ready = this.load()
  }

  get cacheStats(): FilterCacheStats {
    return { entries: this.memory.size, versions: this.keptVersions, ...this.counts }
  }

  private load(): Promise<Setup> {
    this.counts.policyLoads++
    this.policyCheckedAt = Date.now()
    // Until the policy is read, a change to its main file is what triggers a new attempt (a broken one is fixed there).
    const policyFile = this.config?.policy ? path.resolve(this.config.policy) : null
    this.watched = policyFile ? [{ file: policyFile, version: fileVersion(policyFile) }] : []
    const ready = this.setUp(this.config, this.options)
    ready.then(
      (setup) => {
        this.watched = setup.files
        // Everything kept was judged under another policy.
        if (this.fingerprint !== null && this.fingerprint !== setup.fingerprint) {
          this.memory.clear()
          this.keptVersions = 0
        }
        this.fingerprint = setup.fingerprint
      },
      // A broken policy is logged now; requests meanwhile withhold everything (see filter_metadata).
      (error: unknown) => this.logger.error({ safeNpm: { event: 'policy-error', reason: describeError(error) } }, 'safe-npm: the policy could not be loaded: @{safeNpm.reason}'),
    )
    return ready
  }

  /** The policy in force: read again when one of its files changed (checked at most every policyCheckSeconds). */
  private currentSetup(): Promise<Setup> {
    if (Date.now() - this.policyCheckedAt >= this.policyCheckMs) {
      this.policyCheckedAt = Date.now()
      if (this.watched.some(({ file, version }) => fileVersion(file) !== version)) this.ready = this.load()
    }
    return this.ready
  }

  private async setUp(config: SafeNpmFilterConfig, options: PluginOptions): Promise<Setup> {
    if (!config?.policy) throw new Error('the safe-npm filter needs `policy:` (the organisation policy file)')
    const policyFile = path.resolve(config.policy)
    const cacheDir = path.resolve(config.cacheDir ?? path.join(options.config?.storage ?? '.', '.safe-npm'))
    mkdirSync(cacheDir, { recursive: true })
    // The policy is the organisation floor; the cache folder stands in for a project and holds no policy of its own.
    const before = fileVersion(policyFile)
    const loaded = await loadPolicy({ cwd: cacheDir, orgPolicyFile: policyFile })
    const others = loaded.files.map((source) => path.resolve(cacheDir, source.replace(/#[^/]*$/, ''))).filter((file) => file !== policyFile)
    const watched = [{ file: policyFile, version: before }, ...[...new Set(others)].map((file) => ({ file, version: fileVersion(file) }))]
    const policy = loaded.policy
    const intelPolicy = { ...policy, intel: { ...policy.intel, registryAdvisories: policy.intel.registryAdvisories && Boolean(config.advisoryRegistry) } }
    const rules = registryRules(RULES)
    await prepareRules(rules)
    // The same on every node that runs this policy (compare it across nodes of one registry).
    const fingerprint = createHash('sha256').update(JSON.stringify([policy, intelPolicy.intel, this.ownUrl, this.uplinks])).digest('hex')
    this.logger.info(
      { safeNpm: { event: 'ready', policy: loaded.files, policyFingerprint: fingerprint.slice(0, 16), rules: rules.map((rule) => rule.meta.id), registryAdvisories: intelPolicy.intel.registryAdvisories } },
      'safe-npm: filtering with @{safeNpm.policy}',
    )
    return { fingerprint, files: watched, policy, rules, intelPolicy, cacheDir, projectDir: path.dirname(policyFile), advisoryRegistry: config.advisoryRegistry ?? null }
  }

  async filter_metadata(manifest: any): Promise<any> {
    const name = typeof manifest?.name === 'string' ? manifest.name : '(unnamed)'
    this.counts.requests++
    try {
      const setup = await this.currentSetup()
      return await this.filterWith(setup, manifest)
    } catch (error) {
      const reason = `could not be judged: ${describeError(error)}`
      this.logger.error({ safeNpm: { event: 'withheld', package: name, reason } }, 'safe-npm: @{safeNpm.package} withheld, it @{safeNpm.reason}')
      return applyDecision(manifest, { removed: new Map(), warnings: [], isWithheld: true, reason })
    }
  }

  private async filterWith(setup: Setup, manifest: any): Promise<any> {
    const remembered = await this.remember(setup, manifest)
    const decision = this.judge(setup, remembered, manifest)
    const filtered = applyDecision(manifest, decision)
    this.log(remembered, manifest.name, decision, filtered['dist-tags'] ?? {})
    return filtered
  }

  /**
   * The judgement of this packument: reused while it is the same packument (the
   * stamp: `modified` and the version list, which also fix every version's
   * origin), under the same policy, for at most decisionMaxAge. Judging is
   * synchronous, so requests that waited for one gathering find the first
   * one's judgement and do not judge again.
   */
  private judge(setup: Setup, remembered: Remembered, manifest: any): RegistryDecision {
    const now = Date.now()
    if (remembered.judged && now < remembered.judged.until) return remembered.judged.decision
    const views = Object.entries<any>(manifest.versions ?? {}).map(([version, entry]) => versionView(manifest.name, version, entry, originOf(manifest, version, this.ownUrl)))
    const decision = decide({
      views,
      summary: remembered.summary,
      advisories: remembered.advisories,
      feedProblems: remembered.feedProblems,
      policy: setup.policy,
      rules: setup.rules,
      now: new Date(now),
      registries: { own: this.ownUrl, uplinks: this.uplinks },
    })
    this.counts.judged++
    remembered.judged = { decision, until: Math.min(now + this.decisionMaxAgeMs, remembered.storedAt + this.maxAgeMs) }
    return decision
  }

  /** Facts and feed answers of this packument: from memory while its versions and `modified` are unchanged, under the same policy, and it is young enough. */
  private async remember(setup: Setup, manifest: any): Promise<Remembered> {
    const name: string = manifest.name
    const stamp = `${manifest.time?.modified ?? manifest._rev ?? ''}|${Object.keys(manifest.versions ?? {}).join(',')}`
    const known = this.memory.get(name)
    if (known && known.stamp === stamp && known.fingerprint === setup.fingerprint && Date.now() - known.storedAt < this.maxAgeMs) {
      this.memory.delete(name)
      this.memory.set(name, known)
      return known
    }
    const key = `${name}\n${stamp}\n${setup.fingerprint}`
    let pending = this.pending.get(key)
    if (!pending) {
      pending = this.gather(setup, manifest, stamp, known?.logged).finally(() => this.pending.delete(key))
      this.pending.set(key, pending)
    }
    const fresh = await pending
    // A request that waited may find an even newer entry kept meanwhile: keep the newest gathering.
    if ((this.memory.get(name)?.storedAt ?? -1) > fresh.storedAt) return fresh
    this.forget(name)
    this.memory.set(name, fresh)
    this.keptVersions += fresh.summary.versions.length
    // The newest entry stays even alone above the bound: it is in use.
    while (this.memory.size > 1 && (this.memory.size > this.maxEntries || this.keptVersions > this.maxVersions)) this.forget(this.memory.keys().next().value!)
    return fresh
  }

  private forget(name: string): void {
    const entry = this.memory.get(name)
    if (!entry) return
    this.memory.delete(name)
    this.keptVersions -= entry.summary.versions.length
  }

  private async gather(setup: Setup, manifest: any, stamp: string, logged: string | undefined): Promise<Remembered> {
    this.counts.gathered++
    const summary = await summarisePackument(manifest)
    const views = Object.keys(manifest.versions ?? {}).map((version) => versionView(manifest.name, version, manifest.versions[version], null))
    // Only asked when the plugin names an advisory registry (intelPolicy); the rest never reaches the network.
    const registry = setup.advisoryRegistry ?? 'https://registry.npmjs.org/'
    const intel = await gatherIntel(views, setup.intelPolicy, {
      npmOptions: { registry, cache: path.join(setup.cacheDir, '_cacache') },
      defaultRegistry: registry,
      scopedRegistries: {},
      cacheDir: setup.cacheDir,
      projectDir: setup.projectDir,
      now: new Date(),
      // The filter keeps feed answers in memory for cacheMaxAge itself; the CLI's per-version answer cache would keep them longer.
      isRefresh: true,
    })
    return { stamp, fingerprint: setup.fingerprint, storedAt: Date.now(), summary, advisories: intel.advisories, feedProblems: intel.problems, logged }
  }

  /** One JSON log entry per change of what is served for a name. */
  private log(remembered: Remembered, name: string, decision: RegistryDecision, distTags: Record<string, string>): void {
    if (decision.removed.size === 0 && decision.warnings.length === 0 && !decision.isWithheld) return
    const entry = {
      event: decision.isWithheld ? 'withheld' : decision.removed.size > 0 ? 'filtered' : 'warned',
      package: name,
      removed: [...decision.removed].map(([version, findings]) => ({ version, findings: describeFindings(findings) })),
      warnings: decision.warnings.map((finding) => ({ version: finding.package.version, code: finding.code, message: finding.message })),
      ...(decision.isWithheld ? { reason: decision.reason } : {}),
      distTags,
    }
    const signature = JSON.stringify(entry)
    if (remembered.logged === signature) return
    remembered.logged = signature
    const message = decision.isWithheld
      ? 'safe-npm: @{safeNpm.package} withheld: @{safeNpm.reason}'
      : 'safe-npm: @{safeNpm.package}: @{safeNpm.event} by the policy'
    this.logger.warn({ safeNpm: entry }, message)
  }
}
