// `safe-npm approve <pkg>[@range] --rule <id> --reason "…" [--expires 30d]`:
// records an exception (or, for install-scripts, a script allowance) in the
// project policy file; lib/policy/approve.ts does the edit.
import { EXIT, UsageError } from '../errors.js'
import { loadNpmConfig } from '../npm/npm-config.js'
import { checkApprovalPackage, closestRuleId, recordApproval, resolveExpiry, SCRIPT_RULE, type ApprovalResult } from '../policy/approve.js'
import { RULE_IDS } from '../rules/index.js'
import { isMachineOutput, type ParsedArgs } from './args.js'
import { closestOption } from './flag-suggestions.js'
import type { Io } from './io.js'

const VALUE_FLAGS = ['rule', 'reason', 'expires'] as const
type ValueFlag = (typeof VALUE_FLAGS)[number]

export interface CommandWords {
  positionals: string[]
  values: Partial<Record<string, string>>
  switches: Set<string>
}

/**
 * A command's own words after safe-npm's global flags were taken out: its
 * positionals, `--flag value` / `--flag=value` for the value flags, and the
 * switches. Any other flag is a usage error with the nearest known one.
 */
export function readCommandWords(words: string[], command: string, valueFlags: readonly string[], switches: readonly string[] = []): CommandWords {
  const result: CommandWords = { positionals: [], values: {}, switches: new Set() }
  for (let index = 0; index < words.length; index++) {
    const word = words[index]
    if (word === '--') {
      result.positionals.push(...words.slice(index + 1))
      break
    }
    if (!word.startsWith('-') || word === '-') {
      result.positionals.push(word)
      continue
    }
    const [flag, inline] = word.includes('=') ? [word.slice(0, word.indexOf('=')), word.slice(word.indexOf('=') + 1)] : [word, undefined]
    const name = flag.replace(/^--?/, '')
    if (valueFlags.includes(name)) {
      const value = inline ?? words[++index]
      if (value === undefined || (inline === undefined && value.startsWith('--'))) throw new UsageError(`${command}: --${name} needs a value`, 'EUSAGE')
      result.values[name] = value
      continue
    }
    if (switches.includes(name) && inline === undefined) {
      result.switches.add(name)
      continue
    }
    const near = closestOption(flag, [...valueFlags, ...switches])
    throw new UsageError(`${command}: unknown option ${flag}${near ? `: did you mean ${near}?` : ''}`, 'EUSAGE')
  }
  return result
}

/** The approval as data, checked: exit 2 naming what is wrong before anything is written. */
function requestFrom(words: CommandWords, now: Date) {
  const [spec, ...extra] = words.positionals
  if (!spec) throw new UsageError('approve needs a package: safe-npm approve <pkg>[@range] --rule <id> --reason "…" [--expires 30d]', 'EUSAGE')
  if (extra.length > 0) throw new UsageError(`approve takes one package (got ${words.positionals.join(' ')})`, 'EUSAGE')
  const problem = checkApprovalPackage(spec)
  if (problem) throw new UsageError(`approve: ${problem}`, 'EUSAGE')
  const value = (flag: ValueFlag) => words.values[flag]
  const rule = value('rule')
  if (!rule) throw new UsageError(`approve needs --rule <id>, one of: ${RULE_IDS.join(', ')}`, 'EUSAGE')
  // A finding's code (`minimum-release-age/too-young`) names its rule too.
  const ruleId = rule.split('/')[0]
  if (!RULE_IDS.includes(ruleId)) {
    const near = closestRuleId(ruleId)
    throw new UsageError(`approve: unknown rule "${rule}"${near ? `: did you mean ${near}?` : ` (rules: ${RULE_IDS.join(', ')})`}`, 'EUSAGE')
  }
  const reason = value('reason')?.trim()
  if (!reason) throw new UsageError('approve needs --reason "…": why this package may have what the rule reports', 'EUSAGE')
  let expires: string | undefined
  const expiry = value('expires')
  if (expiry !== undefined) {
    const resolved = resolveExpiry(expiry, now)
    if ('error' in resolved) throw new UsageError(`approve: --expires ${resolved.error}`, 'EUSAGE')
    expires = resolved.date
  }
  return { package: spec, rule: ruleId, reason, expires }
}

/** One line saying what was written where. */
export function describeApproval(request: { package: string; rule: string; expires?: string }, result: ApprovalResult): string {
  const what = result.kind === 'script-allowance' ? `install scripts of ${request.package} allowed (scripts.allow)` : `exception for ${request.package} from ${request.rule}${request.expires ? ` until ${request.expires}` : ''}`
  const verb = result.action === 'unchanged' ? 'already in' : result.action === 'updated' ? 'updated in' : result.created ? 'written to the new' : 'added to'
  return `safe-npm: ${what}: ${verb} ${result.file}`
}

export async function runApprove(parsed: ParsedArgs, io: Io): Promise<number> {
  const words = readCommandWords(parsed.npmArgv.slice(parsed.npmLine.commandIndex! + 1), 'approve', VALUE_FLAGS)
  const request = requestFrom(words, new Date())
  // npm's configuration: the project folder as npm finds it, and the registry, proxy and cache for an organisation policy fetched from them.
  const config = await loadNpmConfig([], io.cwd, io.env)
  const result = await recordApproval(request, {
    cwd: config.prefix,
    policyFile: parsed.own.policyFile,
    orgPolicyFile: parsed.own.orgPolicyFile ?? (io.env.SAFE_NPM_ORG_POLICY || undefined),
    npmOptions: config.flat,
  })
  if (isMachineOutput(parsed.own)) {
    io.stdout.write(`${JSON.stringify({ schemaVersion: 1, approval: { ...request, kind: result.kind }, ...result }, null, 2)}\n`)
    return EXIT.clean
  }
  io.stdout.write(`${describeApproval(request, result)}\n`)
  if (!request.package.includes('@', 1)) io.stdout.write(`safe-npm: note: it covers every version of ${request.package}; name one (${request.package}@1.2.3) to narrow it\n`)
  for (const note of result.notes) io.stdout.write(`safe-npm: note: ${note}\n`)
  // Tried with npm 11.19: min-release-age-exclude exempts a name while resolving, not when reify fetches the locked version.
  if (request.rule === 'minimum-release-age') io.stdout.write("safe-npm: note: npm's own min-release-age (.npmrc, as safe-npm init writes it) still refuses a version younger than its limit: plain npm install and npm ci fail with ETARGET on it until then; safe-npm install and safe-npm ci take the exception\n")
  if (request.rule === SCRIPT_RULE) io.stdout.write(`safe-npm: run safe-npm rebuild ${request.package.replace(/(.)@.*$/, '$1')} to run its scripts now if it is installed\n`)
  return EXIT.clean
}
