// CycloneDX output: valid against the official CycloneDX 1.6 and 1.5 JSON
// schemas, one component per package (scoped names split into group and
// name), the dependency graph from the tree's edges, and safe-npm's findings
// as vulnerabilities and component properties.
import { createHash } from 'node:crypto'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { toCycloneDxReport } from '../../lib/report/cyclonedx-report.ts'
import { CLEAN, FINDINGS, JUDGEMENT, NOW, PACKAGES, PROJECT, TOOL_VERSION, WARNINGS_ONLY, sha512 } from './sample-judgement.ts'
import { cycloneDxValidator, describeErrors } from './schema-validators.ts'

function bom(judgement = JUDGEMENT, packages = PACKAGES, specVersion?: '1.5' | '1.6'): any {
  // Through JSON, as the CLI prints it.
  return JSON.parse(JSON.stringify(toCycloneDxReport(judgement, packages, PROJECT, TOOL_VERSION, NOW, { specVersion })))
}

function assertValid(document: any, what: string): void {
  const validate = cycloneDxValidator(document.specVersion)
  assert.ok(validate(document), `${what} is not a valid CycloneDX ${document.specVersion} BOM:\n${describeErrors(validate.errors)}`)
}

function property(component: any, name: string): string[] {
  return component.properties.filter((entry: any) => entry.name === name).map((entry: any) => entry.value)
}

const byName = (document: any, name: string, group?: string) =>
  document.components.find((component: any) => component.name === name && component.group === group)

test('the schemas reject a document that breaks them (the validators are live)', () => {
  for (const specVersion of ['1.5', '1.6'] as const) {
    const broken = bom(JUDGEMENT, PACKAGES, specVersion)
    broken.components[0].scope = 'sometimes'
    assert.not.ok(cycloneDxValidator(specVersion)(broken), specVersion)
    const dangling = bom(JUDGEMENT, PACKAGES, specVersion)
    delete dangling.dependencies[0].ref
    assert.not.ok(cycloneDxValidator(specVersion)(dangling), `${specVersion}: a dependency without its ref`)
  }
})

for (const specVersion of ['1.6', '1.5'] as const) {
  for (const [name, judgement, packages] of [['blocks, warnings and exceptions', JUDGEMENT, PACKAGES], ['warnings only', WARNINGS_ONLY, PACKAGES], ['an empty tree', CLEAN, []]] as const) {
    test(`valid CycloneDX ${specVersion}: ${name}`, () => {
      const document = bom(judgement, [...packages], specVersion)
      assert.is(document.specVersion, specVersion)
      assertValid(document, name)
    })
  }
}

test('1.6 by default; the format, the time, safe-npm as the tool, the project, the result', () => {
  const document = bom()
  assert.is(document.bomFormat, 'CycloneDX')
  assert.is(document.specVersion, '1.6')
  assert.is(document.$schema, 'http://cyclonedx.org/schema/bom-1.6.schema.json')
  assert.is(document.version, 1)
  assert.not.ok('serialNumber' in document)
  assert.is(document.metadata.timestamp, NOW.toISOString())
  assert.equal(document.metadata.tools.components, [{ type: 'application', name: 'safe-npm', version: TOOL_VERSION }])
  assert.equal(document.metadata.component, { type: 'application', name: PROJECT.name, version: PROJECT.version, 'bom-ref': 'root' })
  assert.equal(document.metadata.properties, [{ name: 'safe-npm:result', value: 'blocked' }])
  assert.equal(bom(WARNINGS_ONLY).metadata.properties, [{ name: 'safe-npm:result', value: 'warnings' }])
  assert.equal(bom(CLEAN, []).metadata.properties, [{ name: 'safe-npm:result', value: 'clean' }])
  const serial = 'urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79'
  assert.is(JSON.parse(JSON.stringify(toCycloneDxReport(CLEAN, [], PROJECT, TOOL_VERSION, NOW, { serialNumber: serial }))).serialNumber, serial)
})

test('components: keyed by location, scoped names split into group and name, purl (scope encoded), hex hashes, distribution', () => {
  const document = bom()
  assert.equal(document.components.map((component: any) => component['bom-ref']), PACKAGES.map((pkg) => pkg.location))
  const tool = byName(document, 'tool', '@acme')
  assert.ok(tool, 'the scoped package is group @acme, name tool')
  assert.is(tool.type, 'library')
  assert.is(tool.version, '2.0.0-beta.1')
  assert.is(tool.purl, 'pkg:npm/%40acme/tool@2.0.0-beta.1')
  const digest = Buffer.from(sha512('@acme/tool@2.0.0-beta.1').slice('sha512-'.length), 'base64').toString('hex')
  assert.equal(tool.hashes, [{ alg: 'SHA-512', content: digest }])
  assert.equal(tool.externalReferences, [{ url: 'https://registry.npmjs.org/@acme/tool/-/tool-2.0.0-beta.1.tgz', type: 'distribution' }])
  const evil = byName(document, 'evil-pkg')
  assert.is(evil.purl, 'pkg:npm/evil-pkg@1.0.0')
  assert.not.ok('group' in evil)
})

test('licenses as the manifest declares them: an SPDX id as an id, anything else by name; none when none is known', () => {
  for (const specVersion of ['1.5', '1.6'] as const) {
    const document = bom(JUDGEMENT, PACKAGES, specVersion)
    assertValid(document, `the ${specVersion} BOM with licenses`)
    assert.equal(byName(document, 'evil-pkg').licenses, [{ license: { id: 'MIT' } }])
    assert.equal(byName(document, 'tool', '@acme').licenses, [{ license: { name: 'MIT OR Apache-2.0' } }])
    assert.not.ok('licenses' in byName(document, 'fresh-pkg'))
  }
})

test('scopes: dev → excluded (not part of the runtime), optional → optional, the rest required', () => {
  const document = bom()
  assert.is(byName(document, 'old-lib').scope, 'excluded')
  assert.equal(property(byName(document, 'old-lib'), 'cdx:npm:package:development'), ['true'])
  assert.is(byName(document, 'fresh-pkg').scope, 'optional')
  assert.is(byName(document, 'evil-pkg').scope, 'required')
  assert.equal(property(byName(document, 'evil-pkg'), 'cdx:npm:package:development'), [])
})

test('the dependency graph: the project on its direct dependencies, each package on where its edges resolve', () => {
  const graph = Object.fromEntries(bom().dependencies.map((entry: any) => [entry.ref, entry.dependsOn ?? []]))
  assert.equal(graph.root, ['node_modules/evil-pkg', 'node_modules/@acme/tool', 'node_modules/fresh-pkg', 'node_modules/from-git'])
  assert.equal(graph['node_modules/@acme/tool'], ['node_modules/@acme/tool/node_modules/old-lib', 'node_modules/evil-pkg'])
  assert.equal(graph['node_modules/evil-pkg'], [])
  // Every package is in the graph, and every reference names a component or the project.
  const refs = new Set(['root', ...PACKAGES.map((pkg) => pkg.location)])
  assert.equal(Object.keys(graph).sort(), [...refs].sort())
  for (const targets of Object.values(graph) as string[][]) for (const target of targets) assert.ok(refs.has(target), target)
})

test('an edge to a package outside the judged tree is left out rather than dangling', () => {
  const packages = [{ ...PACKAGES[0], dependsOn: ['node_modules/not-judged'] }]
  const document = bom(CLEAN, packages)
  assertValid(document, 'a dangling edge')
  assert.equal(document.dependencies.find((entry: any) => entry.ref === PACKAGES[0].location).dependsOn ?? [], [])
})

test('an integrity with several hashes: each as its own hex hash, still valid', () => {
  const sha1 = `sha1-${createHash('sha1').update('x').digest('base64')}`
  const packages = [{ ...PACKAGES[0], integrity: `${sha512('x')} ${sha1}` }]
  const document = bom(CLEAN, packages)
  assertValid(document, 'two hashes')
  assert.equal(document.components[0].hashes.map((hash: any) => [hash.alg, hash.content.length]), [['SHA-512', 128], ['SHA-1', 40]])
})

test('a git package: no purl and no hashes, its git URL as the distribution', () => {
  const git = byName(bom(), 'from-git')
  assert.not.ok('purl' in git)
  assert.not.ok('hashes' in git)
  assert.is(git.externalReferences[0].url, PACKAGES[4].resolved)
  assert.equal(property(git, 'safe-npm:source'), ['git'])
})

test('findings: one vulnerability each, affecting its component (or the project), rated, with the fix; waived ones left out', () => {
  const document = bom()
  assert.is(document.vulnerabilities.length, FINDINGS.length)
  document.vulnerabilities.forEach((vulnerability: any, index: number) => {
    const finding = FINDINGS[index]
    assert.is(vulnerability.id, finding.code)
    assert.equal(vulnerability.source, { name: 'safe-npm' })
    assert.is(vulnerability.description, finding.message)
    assert.is(vulnerability.recommendation, finding.hint ?? undefined)
    assert.equal(vulnerability.affects.map((affect: any) => affect.ref), [finding.package.location || 'root'])
    assert.is(vulnerability.ratings[0].severity, finding.severity === 'block' ? 'high' : 'low')
    assert.equal(property(vulnerability, 'safe-npm:code'), [finding.code])
    assert.equal(property(vulnerability, 'safe-npm:path'), [finding.path.join(' > ')])
  })
  assert.not.ok(document.vulnerabilities.some((vulnerability: any) => vulnerability.id.startsWith('minimum-release-age/')), 'a waived finding is no vulnerability')
})

test('a feed\'s malware report keeps its advisory id and source, rated critical', () => {
  const finding = { ...FINDINGS[0], code: 'known-malware/reported', ruleId: 'known-malware', messageId: 'reported', args: { id: 'MAL-2025-1', source: 'osv-api', name: 'evil-pkg', version: '1.0.0' } }
  const document = bom({ ...JUDGEMENT, findings: [finding], waived: [] })
  assertValid(document, 'a malware report')
  assert.is(document.vulnerabilities[0].id, 'MAL-2025-1')
  assert.equal(document.vulnerabilities[0].source, { name: 'osv-api' })
  assert.is(document.vulnerabilities[0].ratings[0].severity, 'critical')
  assert.equal(property(document.vulnerabilities[0], 'safe-npm:code'), ['known-malware/reported'])
})

test('component properties: install location, source, dependency path, and the findings as severity:code', () => {
  const document = bom()
  assert.equal(property(byName(document, 'evil-pkg'), 'safe-npm:finding'), ['block:packages/denied'])
  assert.equal(property(byName(document, 'tool', '@acme'), 'safe-npm:finding'), ['block:install-scripts/unreviewed'])
  assert.equal(property(byName(document, 'old-lib'), 'safe-npm:finding'), ['warn:deprecated/deprecated'])
  assert.equal(property(byName(document, 'old-lib'), 'safe-npm:path'), ['my-app > @acme/tool > old-lib'])
  assert.equal(property(byName(document, 'old-lib'), 'cdx:npm:package:path'), ['node_modules/@acme/tool/node_modules/old-lib'])
  // A waived finding is not a finding of the component.
  assert.equal(property(byName(document, 'fresh-pkg'), 'safe-npm:finding'), [])
})

test.run()
