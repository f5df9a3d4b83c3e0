// What `safe-npm hook` prints (on stderr, where npm shows a script's output):
// the judgement, then what npm already did and how to get back.
import type { HookOutcome } from '../engine/hook.js'
import { formatJudgement, type Style } from './text-report.js'

export function formatHook(outcome: HookOutcome, style: Style): string {
  const { run, context } = outcome
  const npm = `npm${context.npmVersion ? ` ${context.npmVersion}` : ''}`
  const command = context.command ? `npm ${context.command}` : 'the install'
  const lines: string[] = []
  // After reify, which scripts npm ran is said below, from npm's own settings: the
  // install-scripts findings (what safe-npm install would not run) would contradict it.
  const shown = outcome.timing === 'after-reify' ? { ...run.judgement, findings: run.judgement.findings.filter((finding) => finding.ruleId !== 'install-scripts' || finding.severity === 'block') } : run.judgement
  if (!run.judgement.isBlocked) {
    // Quiet when clean: one line, plus the warnings a check would show and the scripts npm ran unreviewed.
    if (shown.findings.length > 0) lines.push(formatJudgement(shown, run.policyFiles, style))
    for (const script of outcome.scripts.filter((candidate) => candidate.ran && candidate.why.startsWith('unreviewed'))) {
      lines.push(style.yellow(`safe-npm hook: npm ran the install script of ${script.package} (${script.events.join(', ')}): ${script.why}`))
    }
    lines.push(`safe-npm hook: ${outcome.judged} passes the policy (${run.judgement.packageCount} package${run.judgement.packageCount === 1 ? '' : 's'})`)
    return `${lines.join('\n')}\n`
  }
  lines.push(formatJudgement(shown, run.policyFiles, style), '')
  if (outcome.timing === 'before-reify') {
    lines.push(style.red(`safe-npm hook: blocked by policy; ${npm} runs this hook before installing, so ${command} stops here: nothing was fetched, installed or run.`))
    lines.push('To install what the policy allows: safe-npm install (it holds back versions too young for the policy); to see why: safe-npm check.')
    return `${lines.join('\n')}\n`
  }
  lines.push(style.red(`safe-npm hook: blocked by policy; ${npm} ran this hook after it had installed the tree, so ${command} fails now.`))
  const removed = outcome.removal?.folders ?? []
  if (!outcome.removal) lines.push('Nothing was removed: npm wrote no node_modules in this run (--dry-run or --package-lock-only).')
  else if (removed.length > 0) {
    lines.push(`Removed from node_modules (no longer loadable): ${removed.join(', ')}`)
    if (outcome.removal!.binLinks.length > 0) lines.push(`Removed their bin links: ${outcome.removal!.binLinks.join(', ')}`)
  }
  const ran = outcome.scripts.filter((script) => script.ran)
  const notRun = outcome.scripts.filter((script) => !script.ran)
  if (ran.length === 0) lines.push('Install scripts: none of the installed packages could have run one.')
  else {
    lines.push(`Install scripts npm ran before this hook (for the packages ${command} added or changed):`)
    for (const script of ran) {
      lines.push(`  ${script.isBlocked ? style.red('✖ ') : ''}${script.package} (${script.events.join(', ')}): ${script.why}`)
    }
    if (ran.some((script) => script.isBlocked)) {
      lines.push(style.red('  A blocked package ran an install script: treat this machine as exposed to whatever it did.'))
    }
  }
  for (const script of notRun) lines.push(`  not run: ${script.package} (${script.events.join(', ')}): ${script.why}`)
  lines.push(
    context.command === 'ci' || context.command === 'install-ci-test'
      ? 'To get back: npm ci installs package-lock.json as it is; run safe-npm install to move the lockfile to what the policy allows (or record an exception in the policy), then npm ci again.'
      : 'To get back: package.json and package-lock.json may now name the blocked versions; restore them (git checkout -- package.json package-lock.json), then run safe-npm install, which holds back versions too young for the policy and writes nothing blocked.',
  )
  return `${lines.join('\n')}\n`
}
