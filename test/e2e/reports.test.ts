// The reports as the binary prints them for a real tree: `safe-npm sbom`
// (CycloneDX 1.6, or 1.5) and `check --format sarif` validated against the
// official schemas, with the graph, scopes and line numbers of the project's
// files; `safe-npm inspect` judging packages before they are added.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { cycloneDxValidator, describeErrors, sarifValidator } from '../report/schema-validators.js'
import { diffSnapshots, snapshot } from '../helpers/workspace.js'
import { assertExit, explain, sandbox, startHarness, type Harness, type Sandbox } from './support.js'

const reports = suite<{ harness: Harness; box: Sandbox }>('e2e: sbom, SARIF and inspect')

reports.before(async (context) => {
  context.harness = await startHarness(['with-dep', 'tiny-dep', 'left-pad', '@acme/internal', 'evil-parent', 'evil-pkg', 'jqeury'])
  context.box = await sandbox(context.harness, {
    'package.json': {
      name: 'app',
      version: '1.0.0',
      private: true,
      dependencies: { 'with-dep': '^1.0.0', 'evil-parent': '^1.0.0' },
      devDependencies: { '@acme/internal': '^1.0.0' },
      optionalDependencies: { 'left-pad': '^1.3.0' },
    },
    '.safe-npmrc.json': { packages: { deny: ['evil-pkg'] } },
  })
  assertExit(await context.box.npm(['install', '--package-lock-only', '--ignore-scripts']), 0, 'npm install --package-lock-only')
})
reports.after(async ({ harness }) => {
  await harness.close()
})

function parse(result: { stdout: string }, what: string): any {
  try {
    return JSON.parse(result.stdout)
  } catch {
    assert.unreachable(`${what}: stdout is not one JSON document\n${explain(result as any)}`)
  }
}

reports('sbom: valid CycloneDX 1.6 (1.5 with --spec-version), graph from the tree, group/name, scopes, findings; --format cyclonedx the same', async ({ box }) => {
  const result = await box.safeNpm(['sbom'])
  assertExit(result, 1, 'sbom of a blocked tree exits 1, like check')
  const bom = parse(result, 'sbom')
  const validate = cycloneDxValidator('1.6')
  assert.ok(validate(bom), describeErrors(validate.errors))
  assert.is(bom.specVersion, '1.6')
  const component = (name: string) => bom.components.find((entry: any) => (entry.group ? `${entry.group}/${entry.name}` : entry.name) === name)
  const internal = component('@acme/internal')
  assert.equal([internal.group, internal.name, internal.scope], ['@acme', 'internal', 'excluded'])
  assert.match(internal.purl, /^pkg:npm\/%40acme\/internal@1\.\d\.\d$/)
  assert.is(component('left-pad').scope, 'optional')
  assert.is(component('with-dep').scope, 'required')
  assert.match(component('tiny-dep').hashes[0].content, /^[0-9a-f]{128}$/)
  const graph = Object.fromEntries(bom.dependencies.map((entry: any) => [entry.ref, entry.dependsOn ?? []]))
  assert.equal(graph.root.sort(), ['node_modules/@acme/internal', 'node_modules/evil-parent', 'node_modules/left-pad', 'node_modules/with-dep'])
  assert.equal(graph['node_modules/with-dep'], ['node_modules/tiny-dep'])
  assert.equal(graph['node_modules/evil-parent'], ['node_modules/evil-pkg'])
  const denied = bom.vulnerabilities.find((entry: any) => entry.id === 'packages/denied')
  assert.equal(denied.affects.map((affect: any) => affect.ref), ['node_modules/evil-pkg'])

  const older = parse(await box.safeNpm(['sbom', '--lockfile', '--spec-version', '1.5']), 'sbom 1.5')
  assert.is(older.specVersion, '1.5')
  assert.ok(cycloneDxValidator('1.5')(older), describeErrors(cycloneDxValidator('1.5').errors))
  const same = parse(await box.safeNpm(['check', '--format', 'cyclonedx']), 'check --format cyclonedx')
  const withoutTime = (document: any) => ({ ...document, metadata: { ...document.metadata, timestamp: null } })
  assert.equal(withoutTime(same), withoutTime(bom))

  const bad = await box.safeNpm(['sbom', '--spec-version', '1.2'])
  assertExit(bad, 2)
  assert.match(bad.stderr, /^safe-npm: error EUSAGE: --spec-version takes 1\.6, 1\.5/)
})

reports('check --format sarif: valid SARIF 2.1.0; a direct dependency points at its line in package.json, a locked one at its lockfile entry', async ({ box }) => {
  for (const args of [['check', '--format', 'sarif'], ['check', '--lockfile', '--format', 'sarif']]) {
    const result = await box.safeNpm(args)
    assertExit(result, 1, args.join(' '))
    const sarif = parse(result, args.join(' '))
    assert.ok(sarifValidator()(sarif), describeErrors(sarifValidator().errors))
    const run = sarif.runs[0]
    assert.match(run.originalUriBaseIds.PROJECTROOT.uri, /^file:\/\/\/.+\/$/)
    const denied = run.results.find((entry: any) => entry.ruleId === 'packages/denied')
    const location = denied.locations[0].physicalLocation
    // evil-pkg comes through evil-parent: its own entry in the lockfile.
    const lock = await readFile(join(box.dir, 'package-lock.json'), 'utf8')
    assert.equal(location.artifactLocation, { uri: 'package-lock.json', uriBaseId: 'PROJECTROOT' })
    assert.is(location.region.startLine, lock.split('\n').findIndex((line) => line.includes('"node_modules/evil-pkg": {')) + 1)
    assert.equal(denied.locations[0].logicalLocations, [{ fullyQualifiedName: 'app > evil-parent > evil-pkg', kind: 'package' }])
  }
})

reports('check --format sarif: a finding on a direct dependency points at its key in package.json', async ({ harness }) => {
  const box = await sandbox(harness, {
    'package.json': '{\n  "name": "app",\n  "version": "1.0.0",\n  "dependencies": {\n    "with-dep": "^1.0.0",\n    "jqeury": "3.4.1"\n  }\n}\n',
  })
  const result = await box.safeNpm(['check', '--format', 'sarif'])
  assertExit(result, 1)
  const sarif = parse(result, 'sarif')
  assert.ok(sarifValidator()(sarif), describeErrors(sarifValidator().errors))
  const squat = sarif.runs[0].results.find((entry: any) => entry.ruleId === 'typosquatting/imitates')
  assert.equal(squat.locations[0].physicalLocation, { artifactLocation: { uri: 'package.json', uriBaseId: 'PROJECTROOT' }, region: { startLine: 6, startColumn: 5 } })
})

reports('inspect: every signal of the package asked about, passed ones included; what it brings that did not pass; nothing written', async ({ box }) => {
  const before = await snapshot(box.dir)
  const squat = await box.safeNpm(['inspect', 'jqeury@3.4.1'])
  assertExit(squat, 1, 'a typosquat is blocked')
  assert.match(squat.stdout, /^safe-npm inspect: jqeury@3\.4\.1 would add 1 package to an empty project, judged against .*\.safe-npmrc\.json: blocked$/m)
  assert.match(squat.stdout, /✖ block\s+typosquatting\s+popular: false; nearestPopular: jquery/)
  assert.match(squat.stdout, /✔ pass\s+minimum-release-age\s+published: \S+; age: \d+d/)
  assert.match(squat.stdout, /✔ pass\s+publisher-change\s+publisher: jquery-dev-team/)
  assert.match(squat.stdout, /· not-checked\s+manifest-confusion\s+tarball: not read/)

  const parent = await box.safeNpmJson(['inspect', 'evil-parent', 'left-pad@1.3.0'])
  assertExit(parent, 1)
  assert.equal(parent.report.specs, ['evil-parent', 'left-pad@1.3.0'])
  assert.equal(parent.report.packages.map((pkg: any) => [pkg.name, pkg.isRequested]).sort(), [['evil-parent', true], ['evil-pkg', false], ['left-pad', true]])
  const evil = parent.report.packages.find((pkg: any) => pkg.name === 'evil-pkg')
  assert.equal(evil.path, ['evil-parent', 'evil-pkg'])
  assert.is(evil.signals.find((signal: any) => signal.rule === 'packages').status, 'block')

  const clean = await box.safeNpm(['inspect', 'left-pad@1.3.0'])
  assertExit(clean, 0)
  assert.match(clean.stdout, /: clean$/m)
  assert.match(clean.stdout, /✔ pass\s+manifest-confusion\s+tarball: read/)
  assert.equal(diffSnapshots(before, await snapshot(box.dir)), { added: [], removed: [], changed: [] })

  const none = await box.safeNpm(['inspect'])
  assertExit(none, 2)
  assert.is(none.stderr, 'safe-npm: error EUSAGE: safe-npm inspect needs the package specs to judge (safe-npm inspect left-pad@1.3.0)\n')
})

reports.run()
