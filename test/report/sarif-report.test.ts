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
    assert.equal(result.locations[0].physicalLocation.artifactLocation, { uri: 'package.json', uriBaseId: 'PROJECTROOT' })
    assert.equal(result.locations[0].logicalLocations, [{ fullyQualifiedName: finding.path.join(' > '), kind: 'package' }])
    assert.equal(result.partialFingerprints, { 'safe-npm/package': `${finding.package.name}@${finding.package.version}:${finding.code}` })
  })
  assert.not.ok(results.some((result: any) => result.ruleId.startsWith('minimum-release-age/')), 'a waived finding is no result')
})

// The sample project's files, formatted as npm writes them (the keys' lines are counted by hand below).
const MANIFEST = `{
  "name": "my-app",
  "version": "1.2.3",
  "dependencies": {
    "evil-pkg": "^1.0.0",
    "@acme/tool": "^2.0.0-beta.1"
  },
  "optionalDependencies": {
    "fresh-pkg": "^3.1.0"
  }
}
`
const LOCKFILE = JSON.stringify({
  name: 'my-app',
  version: '1.2.3',
  lockfileVersion: 3,
  requires: true,
  packages: {
    '': { name: 'my-app', version: '1.2.3', dependencies: { 'evil-pkg': '^1.0.0', '@acme/tool': '^2.0.0-beta.1' } },
    'node_modules/@acme/tool': { version: '2.0.0-beta.1', dependencies: { 'old-lib': '0.9.0' } },
    'node_modules/@acme/tool/node_modules/old-lib': { version: '0.9.0', dev: true },
    'node_modules/evil-pkg': { version: '1.0.0' },
  },
}, null, 2)
const lineOf = (text: string, needle: string) => text.split('\n').findIndex((line) => line.includes(needle)) + 1
const FILES = { root: '/work/app', manifest: MANIFEST, lockfile: { name: 'package-lock.json' as const, text: LOCKFILE } }

test('locations: a direct dependency\'s key in package.json, a locked one\'s entry in package-lock.json, the project\'s package.json', () => {
  const sarif: any = toSarifReport(JUDGEMENT, RULES, TOOL_VERSION, 'package.json', FILES)
  assertValid(sarif, 'with regions')
  assert.equal(sarif.runs[0].originalUriBaseIds, { PROJECTROOT: { uri: 'file:///work/app/' } })
  const where = (index: number) => sarif.runs[0].results[index].locations[0].physicalLocation
  // evil-pkg (direct): its key under dependencies, column of the opening quote.
  assert.equal(where(0), { artifactLocation: { uri: 'package.json', uriBaseId: 'PROJECTROOT' }, region: { startLine: 5, startColumn: 5 } })
  assert.is(lineOf(MANIFEST, '"evil-pkg"'), 5)
  // @acme/tool (direct, scoped)
  assert.equal(where(1).region, { startLine: lineOf(MANIFEST, '"@acme/tool"'), startColumn: 5 })
  // old-lib (transitive, locked): its "node_modules/…" key in the lockfile, not the mention in a dependencies map.
  assert.equal(where(2).artifactLocation, { uri: 'package-lock.json', uriBaseId: 'PROJECTROOT' })
  assert.equal(where(2).region.startLine, lineOf(LOCKFILE, '"node_modules/@acme/tool/node_modules/old-lib": {'))
  // The run-level finding: the project's package.json, no line.
  assert.equal(where(3), { artifactLocation: { uri: 'package.json', uriBaseId: 'PROJECTROOT' } })
})

test('locations: a transitive package the lockfile does not have points at the direct dependency that brings it in; npm-shrinkwrap.json by name', () => {
  const files = { manifest: MANIFEST, lockfile: { name: 'npm-shrinkwrap.json' as const, text: LOCKFILE.replace('"node_modules/@acme/tool/node_modules/old-lib"', '"node_modules/other"') } }
  const sarif: any = toSarifReport(JUDGEMENT, RULES, TOOL_VERSION, 'package.json', files)
  assertValid(sarif, 'fallbacks')
  assert.not.ok('originalUriBaseIds' in sarif.runs[0])
  const oldLib = sarif.runs[0].results[2].locations[0].physicalLocation
  assert.equal(oldLib, { artifactLocation: { uri: 'package.json', uriBaseId: 'PROJECTROOT' }, region: { startLine: lineOf(MANIFEST, '"@acme/tool"'), startColumn: 5 } })
  const direct = toSarifReport({ ...JUDGEMENT, findings: [{ ...FINDINGS[0], package: { ...FINDINGS[0].package, location: 'node_modules/@acme/tool' }, path: ['my-app', '@acme/tool'] }] }, RULES, TOOL_VERSION, 'package-lock.json', { manifest: null, lockfile: files.lockfile }) as any
  assert.equal(direct.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri, 'npm-shrinkwrap.json', 'no package.json text: the lockfile entry')
})

test('locations: unparsable or missing files give locations without lines (or the lines read before the break), never an error', () => {
  for (const manifest of [null, '', '"\\', '{ "dependencies": { "evil-pkg": ']) {
    const sarif: any = toSarifReport(JUDGEMENT, RULES, TOOL_VERSION, 'package-lock.json', { manifest, lockfile: null })
    assertValid(sarif, `manifest ${JSON.stringify(manifest)}`)
    const evil = sarif.runs[0].results[0].locations[0].physicalLocation
    if (manifest?.includes('evil-pkg')) assert.equal(evil, { artifactLocation: { uri: 'package.json', uriBaseId: 'PROJECTROOT' }, region: { startLine: 1, startColumn: 21 } })
    else assert.equal(evil, { artifactLocation: { uri: 'package-lock.json', uriBaseId: 'PROJECTROOT' } }, 'the run\'s manifest, without a line')
  }
})

test('no findings: no rules and no results', () => {
  const sarif: any = toSarifReport(CLEAN, RULES, TOOL_VERSION, 'package.json')
  assert.equal(sarif.runs[0].tool.driver.rules, [])
  assert.equal(sarif.runs[0].results, [])
})

test.run()
