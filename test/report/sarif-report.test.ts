// SARIF output: valid against the official SARIF 2.1.0 schema, one rule per
// finding code, one result per finding.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { toSarifReport } from '../../lib/report/sarif-report.ts'
import { RULES } from '../../lib/rules/index.ts'
import { CLEAN, FINDINGS, JUDGEMENT, TOOL_VERSION, WARNINGS_ONLY } from './sample-judgement.ts'
import { describeErrors, sarifValidator } from './schema-validators.ts'

function assertValid(document: unknown, what: string): void {
  const validate = sarifValidator()
  // Through JSON, as the CLI prints it.
  assert.ok(validate(JSON.parse(JSON.stringify(document))), `${what} is not valid SARIF 2.1.0:\n${describeErrors(validate.errors)}`)
}

test('the schema rejects a document that breaks it (the validator is live)', () => {
  const broken: any = toSarifReport(JUDGEMENT, RULES, TOOL_VERSION, 'package.json')
  broken.runs[0].results[0].level = 'fatal'
  assert.not.ok(sarifValidator()(broken))
})

for (const [name, judgement, manifest] of [['blocks, warnings and exceptions', JUDGEMENT, 'package.json'], ['warnings only', WARNINGS_ONLY, 'package-lock.json'], ['no findings', CLEAN, 'package.json']] as const) {
  test(`valid SARIF 2.1.0: ${name}`, () => {
    assertValid(toSarifReport(judgement, RULES, TOOL_VERSION, manifest), name)
  })
}

test('the tool: safe-npm, its version, one rule per distinct code (sorted) described by its rule', () => {
  const sarif: any = toSarifReport(JUDGEMENT, RULES, TOOL_VERSION, 'package.json')
  assert.is(sarif.version, '2.1.0')
  assert.is(sarif.runs.length, 1)
  const driver = sarif.runs[0].tool.driver
  assert.is(driver.name, 'safe-npm')
  assert.is(driver.version, TOOL_VERSION)
  const codes = [...new Set(FINDINGS.map((finding) => finding.code))].sort()
  assert.equal(driver.rules.map((rule: any) => rule.id), codes)
  const denied = driver.rules.find((rule: any) => rule.id === 'packages/denied')
  assert.is(denied.shortDescription.text, RULES.find((rule) => rule.meta.id === 'packages')!.meta.description)
})

test('results: one per finding (waived ones left out), ruleIndex pointing at its rule, block → error, warn → warning', () => {
  const sarif: any = toSarifReport(JUDGEMENT, RULES, TOOL_VERSION, 'package.json')
  const { results, tool } = sarif.runs[0]
  assert.is(results.length, FINDINGS.length)
  results.forEach((result: any, index: number) => {
    const finding = FINDINGS[index]
    assert.is(result.ruleId, finding.code)
    assert.is(tool.driver.rules[result.ruleIndex].id, finding.code)
    assert.is(result.level, finding.severity === 'block' ? 'error' : 'warning')
    assert.is(result.message.text, finding.hint ? `${finding.message}. ${finding.hint}` : finding.message)
    assert.equal(result.locations[0].physicalLocation.artifactLocation, { uri: 'package.json' })
    assert.equal(result.locations[0].logicalLocations, [{ fullyQualifiedName: finding.path.join(' > '), kind: 'package' }])
    assert.equal(result.partialFingerprints, { 'safe-npm/package': `${finding.package.name}@${finding.package.version}:${finding.code}` })
  })
  assert.not.ok(results.some((result: any) => result.ruleId.startsWith('minimum-release-age/')), 'a waived finding is no result')
})

test('no findings: no rules and no results', () => {
  const sarif: any = toSarifReport(CLEAN, RULES, TOOL_VERSION, 'package.json')
  assert.equal(sarif.runs[0].tool.driver.rules, [])
  assert.equal(sarif.runs[0].results, [])
})

test.run()
