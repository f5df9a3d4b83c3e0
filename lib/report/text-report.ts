// The human report: findings grouped by severity and rule, each with its
// dependency path and a fix. Only formats; decides nothing.
import type { Judgement } from '../engine/judge.js'
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

export function formatJudgement(judgement: Judgement, policyFiles: string[], style: Style): string {
  const blocks = judgement.findings.filter((finding) => finding.severity === 'block')
  const warnings = judgement.findings.filter((finding) => finding.severity === 'warn')
  const policy = policyFiles.length > 0 ? policyFiles.join(' + ') : 'the embedded default policy'
  const lines = [`safe-npm: checked ${plural(judgement.packageCount, 'package')} against ${policy}`]
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
