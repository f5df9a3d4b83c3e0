// The --json shape. Stable: fields are only ever added (see README, "JSON output").
import type { Judgement } from '../engine/judge.js'
import type { InstallOutcome, RunOutcome } from '../engine/run.js'

export function toJsonReport(
  command: string,
  judgement: Judgement,
  policyFiles: string[],
  install: InstallOutcome | null,
  npmWarnings: RunOutcome['npmWarnings'] = [],
): Record<string, unknown> {
  return {
    schemaVersion: 1,
    command,
    result: judgement.result,
    policy: { files: policyFiles },
    packageCount: judgement.packageCount,
    findings: judgement.findings.map((finding) => ({
      code: finding.code,
      rule: finding.ruleId,
      message: finding.message,
      severity: finding.severity,
      package: finding.package,
      path: finding.path,
      hint: finding.hint,
      data: finding.args,
    })),
    waived: judgement.waived.map(({ exception, finding }) => ({
      code: finding.code,
      package: finding.package,
      reason: exception.reason,
      source: exception.source,
    })),
    expiredExceptions: judgement.expiredExceptions,
    unusedExceptions: judgement.unusedExceptions,
    install,
    npmWarnings,
  }
}
