// The policy applied to one packument at the registry: every version becomes a
// PackageView with the facts its packument gives, the rules that judge a
// version on its own (meta.appliesAtRegistry) run through the engine's judge,
// and versions whose judgement blocks are taken out. Nothing here knows any
// single rule; what a rule reports and how severe it is stays the engine's.
import { judge } from '../engine/judge.js'
import type { EffectivePolicy } from '../model/policy.js'
import type { Advisory, FeedProblem, Finding, PackageFacts, PackageView, Rule, RuleContext } from '../model/rule.js'
import type { PackumentSummary } from '../npm/packument-facts.js'
import { requireCommonJs } from '../model/commonjs.js'

const semver: typeof import('semver') = requireCommonJs('semver')

/** The rules that run at the registry, each limited to the messages it declares for it. */
export function registryRules(rules: Rule[]): Rule[] {
  return rules.flatMap((rule): Rule[] => {
    const applies = rule.meta.appliesAtRegistry
    if (!applies) return []
    if (applies === true) return [rule]
    const messages = new Set(applies)
    return [
      {
        meta: rule.meta,
        check: (pkg, facts, context) => rule.check(pkg, facts, context).filter((raw) => messages.has(raw.messageId)),
        ...(rule.checkRun ? { checkRun: (context: RuleContext) => rule.checkRun!(context).filter((raw) => messages.has(raw.messageId)) } : {}),
      },
    ]
  })
}

const unscoped = (name: string) => name.slice(name.lastIndexOf('/') + 1)

/**
 * Where a version's bytes come from. An uplink's version keeps its origin in
 * `_distfiles` (even once its tarball is cached); a version published to this
 * registry has only an attachment, and is served from `ownUrl`.
 */
export function originOf(packument: any, version: string, ownUrl: string | null): string | null {
  const tarball: unknown = packument.versions?.[version]?.dist?.tarball
  const file = typeof tarball === 'string' ? tarball.slice(tarball.lastIndexOf('/') + 1) : `${unscoped(packument.name)}-${version}.tgz`
  const upstream: unknown = packument._distfiles?.[file]?.url
  if (typeof upstream === 'string') return upstream
  if (ownUrl && packument._attachments?.[file]) return new URL(`${packument.name}/-/${file}`, ownUrl).href
  return typeof tarball === 'string' ? tarball : null
}

export function versionView(name: string, version: string, manifest: any, resolved: string | null): PackageView {
  return {
    name,
    version,
    // Unique per version: the engine keys facts by location.
    location: `${name}@${version}`,
    resolved,
    integrity: typeof manifest?.dist?.integrity === 'string' ? manifest.dist.integrity : null,
    source: 'registry',
    isDirect: true,
    path: [name],
    spec: null,
    isFromLockfile: false,
    isDev: false,
    isOptional: false,
    scripts: manifest?.scripts && typeof manifest.scripts === 'object' ? manifest.scripts : {},
    hasInstallScript: Boolean(manifest?.hasInstallScript),
    hasBindingGyp: Boolean(manifest?.gypfile),
    requestedRanges: [],
    projectRange: null,
    deprecated: typeof manifest?.deprecated === 'string' && manifest.deprecated ? manifest.deprecated : null,
  }
}

export interface RegistryDecision {
  /** version → the blocking findings that take it out. */
  removed: Map<string, Finding[]>
  /** Findings that only warn (logged, nothing removed). */
  warnings: Finding[]
  /** Every version is blocked (or a run-level finding blocks): the name answers as missing. */
  isWithheld: boolean
  /** Why, in one line, for the client where it can show it. */
  reason: string | null
}

export interface DecisionInput {
  views: PackageView[]
  summary: PackumentSummary
  advisories: Map<string, Advisory[]>
  feedProblems: FeedProblem[]
  policy: EffectivePolicy
  rules: Rule[]
  now: Date
  registries: { own: string | null; uplinks: string[] }
}

export function decide(input: DecisionInput): RegistryDecision {
  const facts = new Map<string, PackageFacts>()
  for (const view of input.views) {
    facts.set(view.location, {
      status: 'known',
      version: input.summary.byVersion.get(view.version),
      versions: input.summary.versions,
      distTags: input.summary.distTags,
      advisories: input.advisories.get(`${view.name}@${view.version}`),
    })
  }
  const registries = [...(input.registries.own ? [input.registries.own] : []), ...input.registries.uplinks]
  const context: RuleContext = {
    policy: input.policy,
    now: input.now,
    configuredRegistries: registries,
    defaultRegistry: registries[0] ?? '',
    scopedRegistries: {},
    rewritesNpmjs: false,
    npmAllowScripts: null,
    project: { name: input.summary.name, version: '' },
    run: { feedProblems: input.feedProblems, probes: [] },
  }
  const judgement = judge(input.views, facts, input.rules, context)
  const removed = new Map<string, Finding[]>()
  let runBlock: Finding | null = null
  for (const finding of judgement.findings) {
    if (finding.severity !== 'block') continue
    // A run-level block (a feed the policy requires could not be read) holds back everything: nothing was judged against it.
    if (finding.package.location === '') {
      runBlock ??= finding
      continue
    }
    removed.set(finding.package.version, [...(removed.get(finding.package.version) ?? []), finding])
  }
  const isWithheld = input.views.length > 0 && (runBlock !== null || removed.size === input.views.length)
  const first = runBlock ?? [...removed.values()][0]?.[0] ?? null
  return {
    removed,
    warnings: judgement.findings.filter((finding) => finding.severity === 'warn'),
    isWithheld,
    reason: isWithheld && first ? `${first.code}: ${first.message}` : null,
  }
}

/** Each dist-tag on a version still served, else on the newest allowed version at or below it (a stable one for a stable tag). */
export function repointDistTags(tags: Record<string, string>, allowed: string[]): Record<string, string> {
  const valid = allowed.filter((version) => semver.valid(version) !== null).sort(semver.rcompare)
  const result: Record<string, string> = {}
  for (const [tag, version] of Object.entries(tags)) {
    if (allowed.includes(version)) {
      result[tag] = version
      continue
    }
    if (semver.valid(version) === null) continue
    const isStable = semver.prerelease(version) === null
    const replacement = valid.find((candidate) => semver.lte(candidate, version) && (!isStable || semver.prerelease(candidate) === null))
    if (replacement) result[tag] = replacement
  }
  result.latest ??= valid.find((version) => semver.prerelease(version) === null) ?? valid[0]
  if (result.latest === undefined) delete result.latest
  return result
}

/** The packument with the removed versions taken out (a copy: Verdaccio's own object is left alone). */
export function applyDecision(packument: any, decision: RegistryDecision): any {
  const allVersions = Object.keys(packument.versions ?? {})
  const kept = decision.isWithheld ? [] : allVersions.filter((version) => !decision.removed.has(version))
  if (kept.length === allVersions.length) return packument
  const versions: Record<string, unknown> = {}
  for (const version of kept) versions[version] = packument.versions[version]
  const time: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(packument.time ?? {})) {
    if (key === 'created' || key === 'modified' || kept.includes(key)) time[key] = value
  }
  const keptFiles = new Set(kept.map((version) => String(packument.versions[version]?.dist?.tarball ?? '').split('/').pop()))
  const distfiles = Object.fromEntries(Object.entries(packument._distfiles ?? {}).filter(([file]) => keptFiles.has(file)))
  return {
    ...packument,
    versions,
    time,
    _distfiles: distfiles,
    'dist-tags': repointDistTags(packument['dist-tags'] ?? {}, kept),
    ...(decision.isWithheld ? { readme: `This package is not available here. safe-npm: ${decision.reason}` } : {}),
  }
}
