// After a blocked install on a terminal: offer to approve each blocked
// finding (an exception, or a script allowance for install-scripts) and
// judge again. Never without a terminal on both stdin and stderr, never when
// CI is set (to any value but the empty string), never with a machine format: a prompt there would
// hang a pipeline or corrupt the one document on stdout.
import { createInterface } from 'node:readline'
import { SafeNpmError } from '../errors.js'
import type { Finding } from '../model/rule.js'
import { checkApprovalPackage, recordApproval, resolveExpiry, type ApprovalRequest } from '../policy/approve.js'
import type { LoadPolicyOptions } from '../policy/load.js'
import { describeApproval } from './approve-command.js'
import type { Io } from './io.js'

export function isPromptAllowed(io: Io, isMachineOutput: boolean): boolean {
  return Boolean(io.stdin) && io.stdinIsTTY === true && io.stderrIsTTY && !io.env.CI && !isMachineOutput
}

/** The blocked findings worth asking about: one per package version and rule (a run-level finding has no package to approve). */
export function approvableFindings(findings: readonly Finding[]): Finding[] {
  const seen = new Set<string>()
  return findings.filter((finding) => {
    if (finding.severity !== 'block' || finding.package.location === '' || !finding.package.version) return false
    const key = `${finding.package.name}@${finding.package.version} ${finding.ruleId}`
    if (seen.has(key)) return false
    seen.add(key)
    return checkApprovalPackage(`${finding.package.name}@${finding.package.version}`) === null
  })
}

/** Lines from stdin, one question at a time; null once stdin ends. */
function lineReader(io: Io): { ask(question: string): Promise<string | null>; close(): void } {
  const lines = createInterface({ input: io.stdin!, terminal: false })
  const queue: string[] = []
  const waiting: Array<(line: string | null) => void> = []
  let ended = false
  lines.on('line', (line) => {
    const next = waiting.shift()
    if (next) next(line)
    else queue.push(line)
  })
  lines.on('close', () => {
    ended = true
    for (const next of waiting.splice(0)) next(null)
  })
  return {
    ask(question) {
      io.stderr.write(question)
      if (queue.length > 0) return Promise.resolve(queue.shift()!)
      if (ended) return Promise.resolve(null)
      return new Promise((resolve) => waiting.push(resolve))
    },
    close() {
      lines.close()
    },
  }
}

/**
 * Asks about each approvable finding; records what is approved. Returns how
 * many approvals were written (0: judge nothing again). Stdin ending stops the
 * questions; a bad answer is asked again, twice at most.
 */
export async function offerApprovals(findings: readonly Finding[], io: Io, options: LoadPolicyOptions): Promise<number> {
  const candidates = approvableFindings(findings)
  if (candidates.length === 0) return 0
  const reader = lineReader(io)
  let written = 0
  try {
    io.stderr.write(`\n${candidates.length === 1 ? 'This finding' : `These ${candidates.length} findings`} can be approved in the project policy (Enter skips).\n`)
    for (const finding of candidates) {
      const target = `${finding.package.name}@${finding.package.version}`
      const isScript = finding.ruleId === 'install-scripts'
      const answer = await reader.ask(`\n${finding.code} ${target}: ${finding.message}\n${isScript ? `Allow the install scripts of ${target}` : `Approve an exception for ${target} from ${finding.ruleId}`}? [y/N] `)
      if (answer === null) break
      if (!/^y(es)?$/i.test(answer.trim())) continue
      let reason: string | null = ''
      for (let attempt = 0; attempt < 3 && reason !== null && reason.trim() === ''; attempt++) reason = await reader.ask('Reason (required): ')
      if (reason === null) break
      if (reason.trim() === '') continue
      let expires: string | undefined
      if (!isScript) {
        for (let attempt = 0; attempt < 3; attempt++) {
          const text = await reader.ask('Expires (a span like 30d or a date like 2026-12-31; Enter: never): ')
          if (text === null || text.trim() === '') break
          const resolved = resolveExpiry(text.trim(), new Date())
          if ('date' in resolved) {
            expires = resolved.date
            break
          }
          io.stderr.write(`${resolved.error}\n`)
        }
      }
      const request: ApprovalRequest = { package: target, rule: finding.ruleId, reason: reason.trim(), ...(expires ? { expires } : {}) }
      try {
        const result = await recordApproval(request, options)
        io.stderr.write(`${describeApproval(request, result)}\n`)
        if (result.action !== 'unchanged') written++
      } catch (error) {
        // Not written (the organisation floor refuses it, say): said, and the next finding is asked about.
        if (!(error instanceof SafeNpmError)) throw error
        io.stderr.write(`safe-npm: error ${error.code}: ${error.message}\n`)
      }
    }
  } finally {
    reader.close()
  }
  return written
}
