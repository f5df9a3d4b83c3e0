// safe-npm's policy as a Verdaccio filter plugin (`filters:` in config.yaml):
// every packument Verdaccio serves passes through filter_metadata, which takes
// out the versions the organisation policy blocks and repoints dist-tags, so
// npm, pnpm, Yarn and Bun clients resolve to allowed versions with nothing
// installed on developer machines. A name blocked as a whole is served with
// no versions. Facts and feed answers are kept once for every client.
//
// Verdaccio serves a packument unfiltered when a filter throws, so this one
// never throws: anything it cannot judge is withheld (fail closed) and logged.
import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { describeError } from '../errors.js'
import { gatherIntel } from '../engine/feeds.js'
import { parseDuration } from '../model/duration.js'
import type { EffectivePolicy } from '../model/policy.js'
import type { Advisory, FeedProblem, Finding, Rule } from '../model/rule.js'
import { summarisePackument, type PackumentSummary } from '../npm/packument-facts.js'
import { loadPolicy } from '../policy/load.js'
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
  /** Packuments kept in memory; default 1000. */
  cacheEntries?: number
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
  policy: EffectivePolicy
  rules: Rule[]
  intelPolicy: EffectivePolicy
  cacheDir: string
  projectDir: string
  advisoryRegistry: string | null
}

interface Remembered {
  stamp: string
  storedAt: number
  summary: PackumentSummary
  advisories: Map<string, Advisory[]>
  feedProblems: FeedProblem[]
  /** What was last logged for the name, so each decision is logged once, not per request. */
  logged?: string
}

const describeFindings = (findings: Finding[]) => findings.map((finding) => ({ code: finding.code, message: finding.message }))

export default class SafeNpmFilter {
  private readonly logger: VerdaccioLogger
  private readonly ownUrl: string | null
  private readonly uplinks: string[]
  private readonly maxAgeMs: number
  private readonly maxEntries: number
  private readonly ready: Promise<Setup>
  /** Name → facts and feed answers, least recently used first. */
  private readonly memory = new Map<string, Remembered>()
  private readonly pending = new Map<string, Promise<Remembered>>()

  constructor(config: SafeNpmFilterConfig, options: PluginOptions) {
    this.logger = options.logger
    this.ownUrl = config?.url ? new URL(config.url).href : null
    this.uplinks = Object.values(options.config?.uplinks ?? {}).flatMap((uplink) => (uplink?.url ? [uplink.url] : []))
    this.maxAgeMs = parseDuration(config?.cacheMaxAge ?? '10m')
    this.maxEntries = config?.cacheEntries ?? 1000
    this.ready = this.setUp(config, options)
    // A broken policy is logged now; requests meanwhile withhold everything (see filter_metadata).
    this.ready.catch((error: unknown) => this.logger.error({ safeNpm: { event: 'policy-error', reason: describeError(error) } }, 'safe-npm: the policy could not be loaded: @{safeNpm.reason}'))
  }

  private async setUp(config: SafeNpmFilterConfig, options: PluginOptions): Promise<Setup> {
    if (!config?.policy) throw new Error('the safe-npm filter needs `policy:` (the organisation policy file)')
    const policyFile = path.resolve(config.policy)
    const cacheDir = path.resolve(config.cacheDir ?? path.join(options.config?.storage ?? '.', '.safe-npm'))
    mkdirSync(cacheDir, { recursive: true })
    // The policy is the organisation floor; the cache folder stands in for a project and holds no policy of its own.
    const loaded = await loadPolicy({ cwd: cacheDir, orgPolicyFile: policyFile })
    const policy = loaded.policy
    const intelPolicy = { ...policy, intel: { ...policy.intel, registryAdvisories: policy.intel.registryAdvisories && Boolean(config.advisoryRegistry) } }
    const rules = registryRules(RULES)
    this.logger.info(
      { safeNpm: { event: 'ready', policy: loaded.files, rules: rules.map((rule) => rule.meta.id), registryAdvisories: intelPolicy.intel.registryAdvisories } },
      'safe-npm: filtering with @{safeNpm.policy}',
    )
    return { policy, rules, intelPolicy, cacheDir, projectDir: path.dirname(policyFile), advisoryRegistry: config.advisoryRegistry ?? null }
  }

  async filter_metadata(manifest: any): Promise<any> {
    const name = typeof manifest?.name === 'string' ? manifest.name : '(unnamed)'
    try {
      const setup = await this.ready
      return await this.filterWith(setup, manifest)
    } catch (error) {
      const reason = `could not be judged: ${describeError(error)}`
      this.logger.error({ safeNpm: { event: 'withheld', package: name, reason } }, 'safe-npm: @{safeNpm.package} withheld, it @{safeNpm.reason}')
      return applyDecision(manifest, { removed: new Map(), warnings: [], isWithheld: true, reason })
    }
  }

  private async filterWith(setup: Setup, manifest: any): Promise<any> {
    const remembered = await this.remember(setup, manifest)
    const views = Object.entries<any>(manifest.versions ?? {}).map(([version, entry]) => versionView(manifest.name, version, entry, originOf(manifest, version, this.ownUrl)))
    const decision = decide({
      views,
      summary: remembered.summary,
      advisories: remembered.advisories,
      feedProblems: remembered.feedProblems,
      policy: setup.policy,
      rules: setup.rules,
      now: new Date(),
      registries: { own: this.ownUrl, uplinks: this.uplinks },
    })
    const filtered = applyDecision(manifest, decision)
    this.log(remembered, manifest.name, decision, filtered['dist-tags'] ?? {})
    return filtered
  }

  /** Facts and feed answers of this packument: from memory while its versions and `modified` are unchanged and it is young enough. */
  private async remember(setup: Setup, manifest: any): Promise<Remembered> {
    const name: string = manifest.name
    const stamp = `${manifest.time?.modified ?? manifest._rev ?? ''}|${Object.keys(manifest.versions ?? {}).join(',')}`
    const known = this.memory.get(name)
    if (known && known.stamp === stamp && Date.now() - known.storedAt < this.maxAgeMs) {
      this.memory.delete(name)
      this.memory.set(name, known)
      return known
    }
    const key = `${name}\n${stamp}`
    let pending = this.pending.get(key)
    if (!pending) {
      pending = this.gather(setup, manifest, stamp, known?.logged).finally(() => this.pending.delete(key))
      this.pending.set(key, pending)
    }
    const fresh = await pending
    this.memory.delete(name)
    this.memory.set(name, fresh)
    while (this.memory.size > this.maxEntries) this.memory.delete(this.memory.keys().next().value!)
    return fresh
  }

  private async gather(setup: Setup, manifest: any, stamp: string, logged: string | undefined): Promise<Remembered> {
    const summary = summarisePackument(manifest)
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
    return { stamp, storedAt: Date.now(), summary, advisories: intel.advisories, feedProblems: intel.problems, logged }
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
