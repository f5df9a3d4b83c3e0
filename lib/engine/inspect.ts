// `safe-npm inspect <spec>...`: the packages the specs would bring into an
// empty project, resolved with this project's npm config and judged by its
// policy, nothing installed ("before I add it"). Besides the findings, every
// signal of every rule for every package, passed ones included: a rule that
// ran and found nothing passed; the facts it looked at come from its own
// `explain`.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type { Finding, PackageFacts, Rule, RuleContext, SignalFacts } from '../model/rule.js'
import type { PackageSignals, RuleSignal, SignalStatus } from '../model/signals.js'
import { RULES } from '../rules/index.js'
import { isActive } from './judge.js'
import { runCommand, type RunOutcome, type RunRequest } from './run.js'

export type { PackageSignals, RuleSignal, SignalStatus }

export interface Inspection {
  outcome: RunOutcome
  packages: PackageSignals[]
}

const findingView = (finding: Finding) => ({ code: finding.code, severity: finding.severity, message: finding.message, hint: finding.hint })

function statusOf(rule: Rule, found: Finding[], waived: Finding[], facts: PackageFacts, explained: SignalFacts, context: RuleContext): SignalStatus {
  if (!isActive(rule, context.policy)) return 'off'
  if (found.some((finding) => finding.severity === 'block')) return 'block'
  if (found.length > 0) return 'warn'
  if (waived.length > 0) return 'waived'
  const needs = rule.meta.needs?.(context.policy) ?? {}
  if (needs.facts && facts.status === 'unverifiable') return 'unverifiable'
  if (typeof explained.unverifiable === 'string') return 'unverifiable'
  if (needs.tarballManifests && !facts.tarball) return 'not-checked'
  return 'pass'
}

/** Every rule's signal for every package of a judged outcome (one that carries its facts and context). */
export function signalsOf(outcome: RunOutcome, rules: Rule[] = RULES): PackageSignals[] {
  const { context, facts } = outcome
  if (!context || !facts) throw new Error('signalsOf needs an outcome with its facts and context')
  const key = (location: string, ruleId: string) => `${location}\u0000${ruleId}`
  const group = (findings: Finding[]) => {
    const byKey = new Map<string, Finding[]>()
    for (const finding of findings) byKey.set(key(finding.package.location, finding.ruleId), [...(byKey.get(key(finding.package.location, finding.ruleId)) ?? []), finding])
    return byKey
  }
  const found = group(outcome.judgement.findings)
  const waived = group(outcome.judgement.waived.map((applied) => applied.finding))
  const requested = new Set(context.requestedOnCommandLine ?? [])
  return outcome.packages.map((pkg) => {
    const packageFacts = facts.get(pkg.location) ?? { status: 'unverifiable', reason: 'no facts were gathered' }
    const signals = rules.map((rule): RuleSignal => {
      const ruleFound = found.get(key(pkg.location, rule.meta.id)) ?? []
      const ruleWaived = waived.get(key(pkg.location, rule.meta.id)) ?? []
      const explained = isActive(rule, context.policy) ? rule.explain?.(pkg, packageFacts, context) ?? {} : {}
      return {
        rule: rule.meta.id,
        description: rule.meta.description,
        status: statusOf(rule, ruleFound, ruleWaived, packageFacts, explained, context),
        findings: [...ruleFound, ...ruleWaived].map(findingView),
        facts: explained,
      }
    })
    return {
      name: pkg.name,
      version: pkg.version,
      location: pkg.location,
      path: pkg.path,
      isRequested: pkg.isDirect && [...requested].some((spec) => spec === pkg.name || spec.startsWith(`${pkg.name}@`) || pkg.spec === spec),
      source: pkg.source,
      signals,
    }
  })
}

/** Judges what `request.setup.config.positionals` (the specs) would bring into an empty project. */
export async function inspectSpecs(request: Omit<RunRequest, 'mode' | 'inspectDir' | 'readsLockfileOnly'>): Promise<Inspection> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'safe-npm-inspect-'))
  try {
    await writeFile(path.join(dir, 'package.json'), `${JSON.stringify({ name: 'safe-npm-inspect', version: '0.0.0', private: true }, null, 2)}\n`)
    const outcome = await runCommand({ ...request, mode: 'inspect', inspectDir: dir, readsLockfileOnly: false })
    return { outcome, packages: signalsOf(outcome) }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
