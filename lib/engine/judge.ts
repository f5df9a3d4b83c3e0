// The core: runs every rule over every package, then applies what the policy
// says about severities and exceptions. It knows nothing about any single rule.
import { matchesPackage } from '../model/package-pattern.js'
import { redact } from '../model/redact.js'
import type { Finding, PackageFacts, PackageView, RawFinding, Rule, RuleContext, Severity } from '../model/rule.js'
import type { EffectivePolicy, PolicyException } from '../model/policy.js'

export interface AppliedException {
  exception: PolicyException
  finding: Finding
}

export interface Judgement {
  /** Findings that apply, blocks first. */
  findings: Finding[]
  /** Findings an exception waived. */
  waived: AppliedException[]
  /** Exceptions past their expiry date: they no longer apply. */
  expiredExceptions: PolicyException[]
  /** Exceptions in force that matched no finding. */
  unusedExceptions: PolicyException[]
  isBlocked: boolean
  /** The verdict, computed once: blocked, warnings (something to report, nothing blocks) or clean. */
  result: 'clean' | 'warnings' | 'blocked'
  packageCount: number
}

export function interpolate(template: string, args: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => (key in args ? String(args[key]) : whole))
}

function toFinding(rule: Rule, raw: RawFinding, pkg: PackageView, severity: 'block' | 'warn'): Finding {
  // URLs and tokens in the values are masked, so no finding (text or JSON) carries a credential.
  const args = Object.fromEntries(Object.entries(raw.args).map(([key, value]) => [key, typeof value === 'string' ? redact(value) : value]))
  const template = rule.meta.messages[raw.messageId]
  if (!template) throw new Error(`rule ${rule.meta.id} reported undeclared message id ${raw.messageId}`)
  const hint = rule.meta.hints?.[raw.messageId]
  return {
    code: `${rule.meta.id}/${raw.messageId}`,
    ruleId: rule.meta.id,
    messageId: raw.messageId,
    severity,
    package: { name: pkg.name, version: pkg.version, location: pkg.location },
    path: pkg.path,
    message: interpolate(template, args),
    hint: hint ? interpolate(hint, args) : null,
    args,
    ...(raw.remedy ? { remedy: raw.remedy } : {}),
  }
}

/** Run-level findings are reported against the project itself. */
function projectRootView(project: RuleContext['project']): PackageView {
  return {
    name: project.name,
    version: project.version,
    location: '',
    resolved: null,
    integrity: null,
    source: 'root',
    isDirect: false,
    path: [project.name],
    spec: null,
    isFromLockfile: false,
    isDev: false,
    isOptional: false,
    scripts: {},
    hasInstallScript: false,
    hasBindingGyp: false,
    requestedRanges: [],
    projectRange: null,
    deprecated: null,
  }
}

export function isExpired(exception: PolicyException, now: Date): boolean {
  // An exception is good through the whole of its expiry day (UTC).
  return exception.expires !== undefined && new Date(`${exception.expires}T23:59:59.999Z`) < now
}

const RANK = { off: 0, warn: 1, block: 2 } as const

/** The value at a dotted path of the policy, when it is a severity. */
function severityAt(policy: EffectivePolicy, setting: string): Severity {
  const value = setting.split('.').reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), policy)
  if (value === 'block' || value === 'warn' || value === 'off') return value
  throw new Error(`severity setting ${setting} is not a severity in the policy`)
}

/** The one place severities are decided: the rule's setting, or the one its meta names for a message, capped as declared. */
export function severityOf(rule: Rule, messageId: string, policy: EffectivePolicy): Severity {
  const ruleSeverity = policy.rules[rule.meta.id] ?? rule.meta.defaultSeverity
  if (ruleSeverity === 'off') return 'off'
  const source = rule.meta.severities?.[messageId]
  let severity = source?.setting ? severityAt(policy, source.setting) : ruleSeverity
  if (source?.atMost && RANK[severity] > RANK[source.atMost]) severity = source.atMost
  return severity
}

/** Whether a rule runs at all under this policy. */
export function isActive(rule: Rule, policy: EffectivePolicy): boolean {
  return (policy.rules[rule.meta.id] ?? rule.meta.defaultSeverity) !== 'off'
}

/** Lets every rule load what it judges with (see Rule.prepare); call it before the first judge(). */
export async function prepareRules(rules: Rule[]): Promise<void> {
  await Promise.all(rules.map((rule) => rule.prepare?.()))
}

/** What each rule of a judge() call reported: per package (in the order judged) and for the run. */
interface RuleResults {
  perPackage: RawFinding[][]
  run: RawFinding[]
}

/** The rules' results behind a judgement, for judging the same packages again with only some rules rerun. */
const resultsOf = new WeakMap<Judgement, { packages: PackageView[]; byRule: Map<Rule, RuleResults> }>()

/** Judge again after some facts changed: the rules `rerun` selects run again, the others' results stand. */
export interface JudgeAgain {
  previous: Judgement
  rerun: (rule: Rule) => boolean
}

/** What each rule reported about one package, by rule id; a rule that reported nothing may be left out. */
export type PackageRuleResults = Record<string, RawFinding[]>

export interface JudgeOptions {
  again?: JudgeAgain
  /** Packages (by location) whose rule results are known already (package-results.ts): no rule is run on them. */
  known?: Map<string, PackageRuleResults>
}

export function judge(
  packages: PackageView[],
  facts: Map<string, PackageFacts>,
  rules: Rule[],
  context: RuleContext,
  { again, known }: JudgeOptions = {},
): Judgement {
  const expiredExceptions = context.policy.exceptions.filter((exception) => isExpired(exception, context.now))
  const liveExceptions = context.policy.exceptions.filter((exception) => !isExpired(exception, context.now))
  const used = new Set<PolicyException>()
  const findings: Finding[] = []
  const waived: AppliedException[] = []
  const activeRules = rules.filter((rule) => isActive(rule, context.policy))
  const byLocation = new Map(packages.map((pkg) => [pkg.location, pkg]))
  const factsAt = (location: string): PackageFacts => facts.get(location) ?? { status: 'unverifiable', reason: 'no facts were gathered' }
  const ruleContext: RuleContext = {
    ...context,
    packageAt: (location) => {
      const pkg = byLocation.get(location)
      return pkg ? { pkg, facts: factsAt(location) } : undefined
    },
  }

  const record = (rule: Rule, raw: RawFinding, pkg: PackageView) => {
    const severity = severityOf(rule, raw.messageId, context.policy)
    if (severity === 'off') return
    const finding = toFinding(rule, raw, pkg, severity)
    const exception = liveExceptions.find(
      (candidate) => candidate.rule === rule.meta.id && matchesPackage(candidate.package, pkg.name, pkg.version),
    )
    if (exception) {
      used.add(exception)
      waived.push({ exception, finding })
    } else {
      findings.push(finding)
    }
  }

  // The results of the same packages judged before (the same list), for the rules not run again.
  const previous = again ? resultsOf.get(again.previous) : undefined
  const reusable = previous?.packages === packages ? previous.byRule : undefined
  const byRule = new Map<Rule, RuleResults>()
  for (const rule of activeRules) {
    const kept = again && !again.rerun(rule) ? reusable?.get(rule) : undefined
    byRule.set(rule, kept ?? {
      perPackage: packages.map((pkg) => {
        const stored = known?.get(pkg.location)
        return stored ? (stored[rule.meta.id] ?? []) : rule.check(pkg, factsAt(pkg.location), ruleContext)
      }),
      run: rule.checkRun?.(ruleContext) ?? [],
    })
  }
  // Recorded package by package, each package's rules in order.
  packages.forEach((pkg, index) => {
    for (const rule of activeRules) for (const raw of byRule.get(rule)!.perPackage[index]) record(rule, raw, pkg)
  })
  const root = projectRootView(context.project)
  for (const rule of activeRules) {
    for (const raw of byRule.get(rule)!.run) record(rule, raw, root)
  }
  findings.sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'block' ? -1 : 1))
  const isBlocked = findings.some((finding) => finding.severity === 'block')
  const judgement: Judgement = {
    findings,
    waived,
    expiredExceptions,
    unusedExceptions: liveExceptions.filter((exception) => !used.has(exception)),
    isBlocked,
    result: isBlocked ? 'blocked' : findings.length > 0 ? 'warnings' : 'clean',
    packageCount: packages.length,
  }
  resultsOf.set(judgement, { packages, byRule })
  return judgement
}

/** What each active rule reported about each package of a judgement, by location (rules that reported nothing left out). */
export function packageResultsOf(judgement: Judgement): Map<string, PackageRuleResults> {
  const results = resultsOf.get(judgement)
  if (!results) throw new Error('packageResultsOf: not a judgement made by judge()')
  const byLocation = new Map<string, PackageRuleResults>(results.packages.map((pkg) => [pkg.location, {}]))
  for (const [rule, { perPackage }] of results.byRule) {
    results.packages.forEach((pkg, index) => {
      if (perPackage[index].length > 0) byLocation.get(pkg.location)![rule.meta.id] = perPackage[index]
    })
  }
  return byLocation
}
