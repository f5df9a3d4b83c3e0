// The human report: findings grouped by severity and rule, each with its
// dependency path and a fix. Only formats; decides nothing.
import type { Judgement } from '../engine/judge.js'
import type { InstallOutcome, RunOutcome } from '../engine/run.js'
import type { Finding } from '../model/rule.js'

export interface Style {
  red(text: string): string
  yellow(text: string): string
  dim(text: string): string
  bold(text: string): string
}

export function createStyle(useColour: boolean): Style {
  const wrap = (open: number, close: number) => (text: string) => (useColour ? `\u001b[${open}m${text}\u001b[${close}m` : text)
  return { red: wrap(31, 39), yellow: wrap(33, 39), dim: wrap(2, 22), bold: wrap(1, 22) }
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`
}

function group(findings: Finding[]): Map<string, Finding[]> {
  const byRule = new Map<string, Finding[]>()
  for (const finding of findings) byRule.set(finding.ruleId, [...(byRule.get(finding.ruleId) ?? []), finding])
  return byRule
}

function section(title: string, findings: Finding[], mark: string, style: Style): string[] {
  const lines = [title]
  for (const [ruleId, list] of group(findings)) {
    lines.push(`  ${style.bold(ruleId)} (${list.length})`)
    for (const finding of list) {
      lines.push(`    ${mark} ${finding.message}`)
      lines.push(style.dim(`      path: ${finding.path.join(' > ')}`))
      if (finding.hint) lines.push(style.dim(`      fix:  ${finding.hint}`))
      lines.push(style.dim(`      code: ${finding.code}`))
    }
  }
  return lines
}

export function formatJudgement(judgement: Judgement, policyFiles: string[], style: Style, otherPlatformCount = 0): string {
  const blocks = judgement.findings.filter((finding) => finding.severity === 'block')
  const warnings = judgement.findings.filter((finding) => finding.severity === 'warn')
  const policy = policyFiles.length > 0 ? policyFiles.join(' + ') : 'the embedded default policy'
  // npm counts what it installs; the check covers the other platforms' optional packages too.
  const platforms = otherPlatformCount > 0 ? ` (${otherPlatformCount} of them optional packages for other platforms, which npm does not install here)` : ''
  const lines = [`safe-npm: checked ${plural(judgement.packageCount, 'package')}${platforms} against ${policy}`]
  if (blocks.length > 0) lines.push('', ...section(style.red(style.bold(`Blocked (${blocks.length})`)), blocks, style.red('✖'), style))
  if (warnings.length > 0) lines.push('', ...section(style.yellow(style.bold(`Warnings (${warnings.length})`)), warnings, style.yellow('!'), style))
  for (const { exception, finding } of judgement.waived) {
    lines.push(style.dim(`exception (${exception.source}): ${finding.code} for ${finding.package.name}@${finding.package.version} waived: ${exception.reason}`))
  }
  for (const exception of judgement.expiredExceptions) {
    lines.push(style.yellow(`expired exception (${exception.source}): ${exception.rule} for ${exception.package} expired on ${exception.expires} and no longer applies`))
  }
  for (const exception of judgement.unusedExceptions) {
    lines.push(style.dim(`hint: the exception for ${exception.rule} on ${exception.package} (${exception.source}) matched nothing and can be removed`))
  }
  return lines.join('\n')
}

/** npm's closing line: `added 3 packages, and changed 1 package in 2.1s`. */
export function formatSummary(install: InstallOutcome, seconds: number): string {
  const parts: string[] = []
  const count = (n: number, verb: string) => `${verb} ${plural(n, 'package')}`
  if (install.added) parts.push(count(install.added, 'added'))
  if (install.removed) parts.push(count(install.removed, 'removed'))
  if (install.changed) parts.push(count(install.changed, 'changed'))
  const what = parts.length === 0 ? 'up to date' : parts.length === 1 ? parts[0] : `${parts.slice(0, -1).join(', ')}, and ${parts[parts.length - 1]}`
  return `${what}${install.dryRun ? ' (dry run)' : ''} in ${seconds < 1 ? `${Math.round(seconds * 1000)}ms` : `${seconds.toFixed(1)}s`}`
}

export interface TextOutput {
  stdout: string
  stderr: string
}

/**
 * The whole human output of a run. For check the report is the output
 * (stdout); an install explains itself on stderr, as npm's warnings do, and
 * ends with npm's summary line on stdout.
 */
export function formatRun(outcome: RunOutcome, style: Style, seconds: number, loglevel = 'warn'): TextOutput {
  // Notes are not findings: shown once a day, on stderr, whatever the command.
  const notes = loglevel === 'silent' ? '' : outcome.notes.filter((note) => !note.isRepeat).map((note) => style.dim(`safe-npm: note: ${note.message}\n`)).join('')
  const heldBack = loglevel === 'silent' ? '' : outcome.heldBack.map((held) => `safe-npm: held back ${held.name} ${held.from} → ${held.to}: ${held.reason}\n`).join('')
  const output = formatOutcome(outcome, style, seconds)
  // --silent and --loglevel error keep what explains a block, and drop warnings and summaries.
  const isQuiet = loglevel === 'silent' || loglevel === 'error'
  const stderr = isQuiet && !outcome.judgement.isBlocked ? '' : output.stderr
  const stdout = loglevel === 'silent' && !(outcome.mode === 'check' && outcome.judgement.isBlocked) ? '' : output.stdout
  return { stdout, stderr: `${formatNpmWarnings(outcome.npmWarnings, loglevel)}${notes}${heldBack}${stderr}` }
}

/** npm's own warnings, as npm prints them: `npm warn <title> <message>` on every line, per --loglevel. */
export function formatNpmWarnings(warnings: RunOutcome['npmWarnings'], loglevel: string): string {
  const shown = warnings.filter((warning) => (loglevel === 'silent' ? false : loglevel === 'error' ? warning.level === 'error' : true))
  return shown
    .flatMap((warning) => {
      // As npm prints them: the title on the first line only.
      const text = warning.code ? `${warning.code} ${warning.message}` : warning.message
      return text.split('\n').map((line, index) => `npm ${warning.level} ${index === 0 ? `${warning.title} ` : ''}${line}`.trimEnd())
    })
    .map((line) => `${line}\n`)
    .join('')
}

function formatOutcome(outcome: RunOutcome, style: Style, seconds: number): TextOutput {
  const { judgement, mode } = outcome
  const report = formatJudgement(judgement, outcome.policyFiles, style, outcome.packages.filter((pkg) => pkg.isForOtherPlatform).length)
  const hasReport = judgement.findings.length + judgement.expiredExceptions.length + judgement.unusedExceptions.length > 0
  if (mode === 'check') {
    return { stdout: `${report}\n${judgement.isBlocked ? `${style.red('safe-npm: blocked by policy.')}\n` : ''}`, stderr: '' }
  }
  if (judgement.isBlocked) {
    return { stdout: '', stderr: `${report}\n${style.red('safe-npm: blocked by policy; nothing was installed or written.')}\n` }
  }
  const stderr = hasReport ? `${report}\n` : ''
  if (!outcome.install) return { stdout: '', stderr }
  if (mode === 'rebuild') {
    const ran = outcome.install.scriptsRun
    return { stdout: `rebuilt ${ran.length === 0 ? 'nothing' : ran.join(', ')}\n`, stderr }
  }
  // Skipped scripts are already in the report, as install-scripts findings.
  return { stdout: `\n${formatSummary(outcome.install, seconds)}\n`, stderr }
}
