// An approval recorded in the project policy: an exception (package, rule,
// reason, optional expiry) or, for the install-scripts rule, a script
// allowance (scripts.allow), since an exception would only silence the
// finding while the script still would not run. The edited policy is
// validated before it is written and loaded again after, with the
// organisation floor: an approval the floor does not permit is undone.
import path from 'node:path'
import { damerauLevenshtein } from '../heuristics/string-distance.js'
import { parseDuration } from '../model/duration.js'
import { parsePackagePattern } from '../model/package-pattern.js'
import { RULE_IDS } from '../rules/index.js'
import { PolicyError } from './errors.js'
import { loadPolicy, validatePolicy, type LoadPolicyOptions } from './load.js'
import { findProjectPolicyFile, openPolicyFile, writePolicyFile, type PolicyEditor, type PolicyFileTarget } from './policy-file.js'
import { requireCommonJs } from '../model/commonjs.js'

const semver: typeof import('semver') = requireCommonJs('semver')

/** The rule whose approval is a script allowance rather than an exception. */
export const SCRIPT_RULE = 'install-scripts'

export interface ApprovalRequest {
  /** `name` or `name@range` (a name glob is allowed, as in every policy pattern). */
  package: string
  rule: string
  reason: string
  /** YYYY-MM-DD, already resolved from a duration (see resolveExpiry). */
  expires?: string
}

export interface ApprovalResult {
  kind: 'exception' | 'script-allowance'
  /** added: a new entry; updated: an entry for the same package and rule got this reason/expiry; unchanged: it was already there. */
  action: 'added' | 'updated' | 'unchanged'
  /** The policy file, relative to the project when inside it. */
  file: string
  created: boolean
  /** What the approval could not keep (a script allowance in JSON has no room for the reason). */
  notes: string[]
}

const PACKAGE_NAME = /^(?:@[a-z0-9*~][a-z0-9*._~-]*\/)?[a-z0-9*~][a-z0-9*._~-]*$/i

/** Checks `name[@range]`; the message names what is wrong. */
export function checkApprovalPackage(spec: string): string | null {
  const { name, range } = parsePackagePattern(spec)
  if (!PACKAGE_NAME.test(name) || name.length > 214) return `"${name}" is not a package name (or a name pattern like "@acme/*")`
  if (spec.endsWith('@')) return `"${spec}" ends with @ but names no version or range`
  if (range !== null && semver.validRange(range) === null) return `"${range}" is not a semver version or range (a dist-tag like "latest" is not one either)`
  return null
}

/** The rule ids closest to a mistyped one (edit distance within a third of its length, or a shared start). */
export function closestRuleId(typed: string): string | null {
  const lower = typed.toLowerCase()
  const ranked = RULE_IDS.map((id) => ({ id, score: id.startsWith(lower) && lower.length >= 3 ? 0 : damerauLevenshtein(lower, id) }))
    .filter(({ id, score }) => score <= Math.max(2, Math.floor(id.length / 3)))
    .sort((a, b) => a.score - b.score)
  return ranked[0]?.id ?? null
}

/**
 * `--expires`: a date (YYYY-MM-DD) or a span from today (`30d`, `2w`, `12h`:
 * the exception is good through the day the span ends, UTC). Null when it is
 * not one of those or lies in the past.
 */
export function resolveExpiry(text: string, now: Date): { date: string } | { error: string } {
  let date: string
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    if (Number.isNaN(Date.parse(`${text}T00:00:00Z`)) || new Date(`${text}T00:00:00Z`).toISOString().slice(0, 10) !== text) {
      return { error: `"${text}" is not a real calendar date` }
    }
    date = text
  } else {
    let ms: number
    try {
      ms = parseDuration(text)
    } catch {
      return { error: `"${text}" is neither a date like 2026-12-31 nor a span like 30d (units: m, h, d, w)` }
    }
    if (ms <= 0) return { error: `"${text}" is no time at all` }
    if (ms > 3653 * 86_400_000) return { error: `"${text}" is more than ten years` }
    date = new Date(now.getTime() + ms).toISOString().slice(0, 10)
  }
  if (date < now.toISOString().slice(0, 10)) return { error: `${date} is in the past` }
  return { date }
}

function sameException(entry: unknown, request: ApprovalRequest): entry is Record<string, unknown> {
  return Boolean(entry) && typeof entry === 'object' && (entry as Record<string, unknown>).package === request.package && (entry as Record<string, unknown>).rule === request.rule
}

function applyException(editor: PolicyEditor, request: ApprovalRequest): ApprovalResult['action'] {
  const entry = { package: request.package, rule: request.rule, reason: request.reason, ...(request.expires ? { expires: request.expires } : {}) }
  const list = editor.get(['exceptions'])
  const index = Array.isArray(list) ? list.findIndex((candidate) => sameException(candidate, request)) : -1
  if (index === -1) {
    editor.append(['exceptions'], entry)
    return 'added'
  }
  const current = (list as Array<Record<string, unknown>>)[index]
  if (current.reason === entry.reason && current.expires === entry.expires) return 'unchanged'
  editor.set(['exceptions', String(index)], entry)
  return 'updated'
}

function applyScriptAllowance(editor: PolicyEditor, request: ApprovalRequest, target: PolicyFileTarget, notes: string[]): ApprovalResult['action'] {
  const current = editor.get(['scripts', 'allow', request.package])
  if (current === true) return 'unchanged'
  if (current === false) notes.push(`${request.package} was refused (false) in scripts.allow; it is now allowed`)
  const comment = target.format === 'yaml' ? `approved: ${request.reason}` : undefined
  editor.set(['scripts', 'allow', request.package], true, comment)
  if (target.format === 'json') notes.push('scripts.allow has no room for a reason in JSON: keep it in the commit message')
  return current === false ? 'updated' : 'added'
}

/**
 * Records the approval in the project policy (see findProjectPolicyFile for
 * which file; a new `.safe-npmrc.json` when there is none). Throws a
 * PolicyError, with nothing written, when the result would not be a valid
 * policy or the organisation floor refuses it.
 */
export async function recordApproval(request: ApprovalRequest, options: LoadPolicyOptions): Promise<ApprovalResult> {
  if (!RULE_IDS.includes(request.rule)) throw new PolicyError(`unknown rule "${request.rule}"`, 'EUSAGE')
  if (request.rule === SCRIPT_RULE && request.expires) {
    throw new PolicyError('a script allowance (install-scripts) does not expire: leave out --expires, or remove the entry from scripts.allow when it is due', 'EUSAGE')
  }
  const cwd = path.resolve(options.cwd)
  const target = await findProjectPolicyFile(cwd, options.policyFile)
  const label = path.relative(cwd, target.file).startsWith('..') ? target.file : path.relative(cwd, target.file)
  const open = await openPolicyFile(target, label)
  const notes: string[] = []
  const action = request.rule === SCRIPT_RULE ? applyScriptAllowance(open.editor, request, target, notes) : applyException(open.editor, request)
  const result: ApprovalResult = { kind: request.rule === SCRIPT_RULE ? 'script-allowance' : 'exception', action, file: label, created: !target.exists, notes }
  if (action === 'unchanged') return result
  await commitEdit(open, label, options)
  return result
}

/** Validates the edited document, writes it, and loads the whole policy again; on any failure the file is put back. */
export async function commitEdit(open: Awaited<ReturnType<typeof openPolicyFile>>, label: string, options: LoadPolicyOptions): Promise<void> {
  await validatePolicy(open.editor.value(), label)
  const written = await writePolicyFile(open)
  try {
    await loadPolicy(options)
  } catch (error) {
    await written.restore()
    if (error instanceof PolicyError) error.message = `${error.message} (the change to ${label} was not kept)`
    throw error
  }
}
