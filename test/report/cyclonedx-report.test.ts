// CycloneDX output: a valid CycloneDX 1.5 BOM with one component per package
// and safe-npm's verdict as properties.
import { createHash } from 'node:crypto'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { toCycloneDxReport } from '../../lib/report/cyclonedx-report.ts'
import { CLEAN, JUDGEMENT, NOW, PACKAGES, PROJECT, TOOL_VERSION, WARNINGS_ONLY, sha512 } from './sample-judgement.ts'
import { cycloneDxValidator, describeErrors } from './schema-validators.ts'

function bom(judgement = JUDGEMENT, packages = PACKAGES): any {
  // Through JSON, as the CLI prints it.
  return JSON.parse(JSON.stringify(toCycloneDxReport(judgement, packages, PROJECT, TOOL_VERSION, NOW)))
}

function assertValid(document: unknown, what: string): void {
  const validate = cycloneDxValidator()
  assert.ok(validate(document), `${what} is not a valid CycloneDX 1.5 BOM:\n${describeErrors(validate.errors)}`)
}

function property(component: any, name: string): string[] {
  return component.properties.filter((entry: any) => entry.name === name).map((entry: any) => entry.value)
}

test('the schema rejects a document that breaks it (the validator is live)', () => {
  const broken = bom()
  broken.components[0].scope = 'sometimes'
  assert.not.ok(cycloneDxValidator()(broken))
})

for (const [name, judgement, packages] of [['blocks, warnings and exceptions', JUDGEMENT, PACKAGES], ['warnings only', WARNINGS_ONLY, PACKAGES], ['an empty tree', CLEAN, []]] as const) {
  test(`valid CycloneDX 1.5: ${name}`, () => {
    assertValid(bom(judgement, [...packages]), name)
  })
}

test('metadata: the format, the time, safe-npm as the tool, the project, the result', () => {
  const document = bom()
  assert.is(document.bomFormat, 'CycloneDX')
  assert.is(document.specVersion, '1.5')
  assert.is(document.version, 1)
  assert.is(document.metadata.timestamp, NOW.toISOString())
  assert.equal(document.metadata.tools.components, [{ type: 'application', name: 'safe-npm', version: TOOL_VERSION }])
  assert.equal(document.metadata.component, { type: 'application', 'bom-ref': 'root', name: PROJECT.name, version: PROJECT.version })
  assert.equal(document.metadata.properties, [{ name: 'safe-npm:result', value: 'blocked' }])
  assert.equal(bom(WARNINGS_ONLY).metadata.properties, [{ name: 'safe-npm:result', value: 'warnings' }])
  assert.equal(bom(CLEAN, []).metadata.properties, [{ name: 'safe-npm:result', value: 'clean' }])
})

test('components: one per package, keyed by location, with purl (scope encoded), hex hashes and where it came from', () => {
  const document = bom()
  assert.equal(document.components.map((component: any) => component['bom-ref']), PACKAGES.map((pkg) => pkg.location))
  const tool = document.components.find((component: any) => component.name === '@acme/tool')
  assert.is(tool.type, 'library')
  assert.is(tool.version, '2.0.0-beta.1')
  assert.is(tool.purl, 'pkg:npm/%40acme/tool@2.0.0-beta.1')
  const digest = Buffer.from(sha512('@acme/tool@2.0.0-beta.1').slice('sha512-'.length), 'base64').toString('hex')
  assert.equal(tool.hashes, [{ alg: 'SHA-512', content: digest }])
  assert.equal(tool.externalReferences, [{ type: 'distribution', url: 'https://registry.npmjs.org/@acme/tool/-/tool-2.0.0-beta.1.tgz' }])
  assert.is(document.components.find((component: any) => component.name === 'evil-pkg').purl, 'pkg:npm/evil-pkg@1.0.0')
})

test('an integrity with several hashes: each as its own hex hash, still valid', () => {
  const sha1 = `sha1-${createHash('sha1').update('x').digest('base64')}`
  const packages = [{ ...PACKAGES[0], integrity: `${sha512('x')} ${sha1}` }]
  const document = bom(CLEAN, packages)
  assertValid(document, 'two hashes')
  assert.equal(document.components[0].hashes.map((hash: any) => [hash.alg, hash.content.length]), [['SHA-512', 128], ['SHA-1', 40]])
})

test('a git package: no purl and no hashes, its git URL as the distribution', () => {
  const git = bom().components.find((component: any) => component.name === 'from-git')
  assert.not.ok('purl' in git)
  assert.not.ok('hashes' in git)
  assert.is(git.externalReferences[0].url, PACKAGES[4].resolved)
  assert.equal(property(git, 'safe-npm:source'), ['git'])
})

test('properties: source, dependency path, dev, and the findings as severity:code; scope from optional', () => {
  const components = bom().components
  const byName = (name: string) => components.find((component: any) => component.name === name)
  assert.equal(property(byName('evil-pkg'), 'safe-npm:finding'), ['block:packages/denied'])
  assert.equal(property(byName('@acme/tool'), 'safe-npm:finding'), ['block:install-scripts/unreviewed'])
  assert.equal(property(byName('old-lib'), 'safe-npm:finding'), ['warn:deprecated/deprecated'])
  assert.equal(property(byName('old-lib'), 'safe-npm:path'), ['my-app > @acme/tool > old-lib'])
  assert.equal(property(byName('old-lib'), 'safe-npm:dev'), ['true'])
  assert.equal(property(byName('evil-pkg'), 'safe-npm:dev'), [])
  // A waived finding is not a finding of the component.
  assert.equal(property(byName('fresh-pkg'), 'safe-npm:finding'), [])
  assert.is(byName('fresh-pkg').scope, 'optional')
  assert.is(byName('evil-pkg').scope, 'required')
})

test.run()
