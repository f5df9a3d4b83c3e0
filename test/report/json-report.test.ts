// The --json shape (README, "JSON output"): fields are only ever added, so the
// whole document of a hand-built judgement is asserted.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { toJsonReport } from '../../lib/report/json-report.ts'
import type { InstallOutcome } from '../../lib/engine/run.ts'
import { CLEAN, EXPIRED, FINDINGS, JUDGEMENT, POLICY_FILES, UNUSED, WAIVER, WARNINGS_ONLY } from './sample-judgement.ts'

test('blocks, warnings and exceptions: every field', () => {
  const report = JSON.parse(JSON.stringify(toJsonReport('install', JUDGEMENT, POLICY_FILES, null)))
  assert.equal(report, {
    schemaVersion: 1,
    command: 'install',
    result: 'blocked',
    policy: { files: POLICY_FILES },
    packageCount: 5,
    findings: FINDINGS.map((finding) => ({
      code: finding.code,
      rule: finding.ruleId,
      message: finding.message,
      severity: finding.severity,
      package: finding.package,
      path: finding.path,
      hint: finding.hint,
      data: finding.args,
    })),
    waived: [{ code: 'minimum-release-age/too-young', package: { name: 'fresh-pkg', version: '3.1.0', location: 'node_modules/fresh-pkg' }, reason: WAIVER.reason, source: WAIVER.source }],
    expiredExceptions: [EXPIRED],
    unusedExceptions: [UNUSED],
    install: null,
    npmWarnings: [],
  })
})

test('the result: blocked, warnings, clean', () => {
  assert.is(toJsonReport('check', JUDGEMENT, [], null).result, 'blocked')
  assert.is(toJsonReport('check', WARNINGS_ONLY, [], null).result, 'warnings')
  assert.is(toJsonReport('check', CLEAN, [], null).result, 'clean')
})

test('a clean judgement: empty lists, no policy files', () => {
  const report = toJsonReport('ci', CLEAN, [], null)
  assert.equal(report.findings, [])
  assert.equal(report.waived, [])
  assert.equal(report.expiredExceptions, [])
  assert.equal(report.unusedExceptions, [])
  assert.equal(report.policy, { files: [] })
  assert.is(report.packageCount, 0)
})

test('the install outcome is passed through', () => {
  const install: InstallOutcome = { added: 3, removed: 1, changed: 0, dryRun: false, scriptsRun: ['node_modules/a'], scriptsSkipped: ['node_modules/b'] }
  assert.equal(toJsonReport('install', WARNINGS_ONLY, [], install).install, install)
})

test('blocks come before warnings, in the judgement\'s order', () => {
  const report: any = toJsonReport('install', JUDGEMENT, [], null)
  assert.equal(report.findings.map((finding: any) => finding.severity), ['block', 'block', 'warn', 'warn'])
})

test.run()
