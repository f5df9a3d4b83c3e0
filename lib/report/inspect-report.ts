// `safe-npm inspect`: every signal of the requested packages, passed ones
// included, with the facts each rule looked at; of the packages they bring,
// what did not pass. --json carries every signal of every package.
import type { Inspection, PackageSignals, RuleSignal, SignalStatus } from '../engine/inspect.js'
import type { SignalFacts } from '../model/rule.js'
import { formatNpmWarnings, type Style } from './text-report.js'

const MARK: Record<SignalStatus, string> = { pass: '✔', warn: '!', block: '✖', waived: '~', unverifiable: '?', 'not-checked': '·', off: '-' }

function paint(status: SignalStatus, text: string, style: Style): string {
  if (status === 'block') return style.red(text)
  if (status === 'warn' || status === 'unverifiable') return style.yellow(text)
  if (status === 'pass') return text
  return style.dim(text)
}

function factText(facts: SignalFacts): string {
  return Object.entries(facts)
    .map(([key, value]) => `${key}: ${value === null ? 'unknown' : Array.isArray(value) ? (value.length > 0 ? value.join(', ') : 'none') : String(value)}`)
    .join('; ')
}

function signalLines(signal: RuleSignal, width: number, style: Style): string[] {
  const head = `  ${paint(signal.status, `${MARK[signal.status]} ${signal.status.padEnd(12)}`, style)} ${signal.rule.padEnd(width)}`
  const facts = factText(signal.facts)
  const lines = [facts ? `${head}  ${style.dim(facts)}` : head.trimEnd()]
  for (const finding of signal.findings) {
    lines.push(`      ${finding.code}: ${finding.message}`)
    if (finding.hint) lines.push(style.dim(`      fix: ${finding.hint}`))
  }
  return lines
}

const label = (pkg: PackageSignals) => `${pkg.name}@${pkg.version}`
/** What is listed of the packages the specs bring: findings; what could not be judged is counted below them. */
const isFinding = (signal: RuleSignal) => signal.status === 'warn' || signal.status === 'block' || signal.status === 'waived'
const isUnjudged = (signal: RuleSignal) => signal.status === 'unverifiable' || signal.status === 'not-checked'

/** `? publisher-change (the registry records no publisher for this version): 70 of the 70 packages without findings`. */
function unjudgedLines(packages: PackageSignals[], style: Style): string[] {
  const counts = new Map<string, number>()
  for (const pkg of packages) {
    for (const signal of pkg.signals.filter(isUnjudged)) {
      const why = typeof signal.facts.unverifiable === 'string' ? signal.facts.unverifiable : signal.status === 'not-checked' ? 'not checked' : 'its registry facts could not be learned'
      const key = `${signal.rule} (${why})`
      counts.set(key, (counts.get(key) ?? 0) + 1)
    }
  }
  return [...counts].map(([what, count]) => style.dim(`${MARK.unverifiable} ${what}: ${count} of the ${packages.length} without findings`))
}

export function formatInspection(inspection: Inspection, specs: string[], style: Style, loglevel = 'warn'): { stdout: string; stderr: string } {
  const { outcome, packages } = inspection
  const width = Math.max(0, ...packages.flatMap((pkg) => pkg.signals.map((signal) => signal.rule.length)))
  const policy = outcome.policyFiles.length > 0 ? outcome.policyFiles.join(' + ') : 'the embedded default policy'
  const count = packages.length
  const lines = [
    `safe-npm inspect: ${specs.join(' ')} would add ${count} package${count === 1 ? '' : 's'} to an empty project, judged against ${policy}: ${outcome.judgement.result}`,
  ]
  const requested = packages.filter((pkg) => pkg.isRequested)
  for (const pkg of requested) {
    lines.push('', style.bold(`${label(pkg)} (${pkg.source})`))
    for (const signal of pkg.signals) lines.push(...signalLines(signal, width, style))
  }
  const others = packages.filter((pkg) => !pkg.isRequested)
  const noisy = others.filter((pkg) => pkg.signals.some(isFinding))
  for (const pkg of noisy) {
    lines.push('', style.bold(`${label(pkg)} (${pkg.path.slice(1).join(' > ')})`))
    for (const signal of pkg.signals.filter(isFinding)) lines.push(...signalLines(signal, width, style))
  }
  const quiet = others.filter((pkg) => !noisy.includes(pkg))
  if (quiet.length > 0) {
    lines.push('', style.dim(`${quiet.length} more package${quiet.length === 1 ? '' : 's'} they bring had no finding (--json lists every signal of each)`))
    // Of those, what a rule could not judge (a listed package's finding already says why).
    lines.push(...unjudgedLines(quiet, style))
  }
  // Run-level findings (feeds that could not be read, probe answers) belong to no package.
  for (const finding of outcome.judgement.findings.filter((entry) => entry.package.location === '')) {
    lines.push('', paint(finding.severity, `${MARK[finding.severity]} ${finding.code}: ${finding.message}`, style))
  }
  if (outcome.judgement.isBlocked) lines.push('', style.red(`safe-npm: ${specs.join(' ')} would be blocked by policy.`))
  return { stdout: `${lines.join('\n')}\n`, stderr: formatNpmWarnings(outcome.npmWarnings, loglevel) }
}

/** The --json document: every signal of every package. */
export function toInspectionJson(inspection: Inspection, specs: string[]): Record<string, unknown> {
  const { outcome, packages } = inspection
  return {
    schemaVersion: 1,
    command: 'inspect',
    specs,
    result: outcome.judgement.result,
    policy: { files: outcome.policyFiles },
    packageCount: packages.length,
    packages: packages.map((pkg) => ({ ...pkg, path: pkg.path.slice(1) })),
    runFindings: outcome.judgement.findings
      .filter((finding) => finding.package.location === '')
      .map((finding) => ({ code: finding.code, severity: finding.severity, message: finding.message, hint: finding.hint })),
    notes: outcome.notes.map(({ code, message }) => ({ code, message })),
  }
}
