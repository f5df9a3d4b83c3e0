// `safe-npm init [--preset strict] [--dry-run]`: shows each change, then
// writes them (or, with --dry-run, only shows them).
import { applyInit, planInit, type InitChange } from '../engine/init.js'
import { loadNpmConfig } from '../npm/npm-config.js'
import { EXIT } from '../errors.js'
import type { ParsedArgs } from './args.js'
import type { Io } from './io.js'

const describe = (change: InitChange) =>
  `  ${change.file}: ${change.setting} ${change.from === null ? '' : `${JSON.stringify(change.from)} → `}${JSON.stringify(change.to)}${change.note ? `  (${change.note})` : ''}`

export async function runInit(parsed: ParsedArgs, io: Io): Promise<number> {
  const request = { npmArgs: parsed.npmArgs, cwd: io.cwd, env: io.env, preset: parsed.own.preset, policyFile: parsed.own.policyFile, orgPolicyFile: parsed.own.orgPolicyFile }
  const isDryRun = Boolean((await loadNpmConfig(parsed.npmArgs, io.cwd, io.env)).get('dry-run'))
  const plan = await planInit(request)
  const lines: string[] = []
  if (plan.changes.length === 0) lines.push(`safe-npm init: nothing to change; the hook and the npm settings match ${plan.policySource}.`)
  else {
    lines.push(`safe-npm init: ${isDryRun ? 'would make' : 'made'} ${plan.changes.length} change${plan.changes.length === 1 ? '' : 's'} (policy: ${plan.policySource})${isDryRun ? ' — dry run, nothing written' : ''}:`)
    lines.push(...plan.changes.map(describe))
  }
  for (const change of plan.kept) lines.push(`  kept ${change.file}: ${change.setting}=${change.to}  (${change.note})`)
  for (const pattern of plan.unexpressed) {
    lines.push(`  note: scripts.allow "${pattern}" has no npm allowScripts equivalent (a glob or a range): plain npm treats it as unreviewed (strict-allow-scripts fails the install); safe-npm install runs it`)
  }
  if (!isDryRun) await applyInit(plan)
  if (plan.changes.length > 0 && !isDryRun) lines.push('Run safe-npm doctor to check the setup.')
  io.stdout.write(`${lines.join('\n')}\n`)
  return EXIT.clean
}
