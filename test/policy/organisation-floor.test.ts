import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { writeFileSync, mkdirSync } from 'node:fs'
import path from 'node:path'
import { tempDirRemovedAtExit } from '../helpers/workspace.ts'
import { mergeWithFloor } from '../../lib/policy/merge.ts'
import { loadPolicy } from '../../lib/policy/load.ts'
import type { PolicyDocument } from '../../lib/policy/schema.ts'

const org = (document: PolicyDocument) => [{ source: 'org.json', isOrganisation: true, document }]
const project = (document: PolicyDocument) => [{ source: '.safe-npmrc.json', isOrganisation: false, document }]

const ORG: PolicyDocument = {
  rules: { 'install-scripts': 'block' },
  registries: { allowed: ['https://registry.npmjs.org/', 'https://npm.acme.example/'], scopes: { '@acme': 'https://npm.acme.example/' } },
  packages: { deny: ['event-stream@3.3.6'], allow: [] },
  minimumReleaseAge: { age: '3d', exclude: ['@acme/*'], allowSecurityFixes: false },
  scripts: { allow: { 'node-ipc': false }, content: 'warn' },
  sources: { git: 'direct', remote: 'none' },
}

// project policy → null when it only tightens, else the setting the error must name
const CASES: Array<[string, PolicyDocument, string | null]> = [
  ['a longer age', { minimumReleaseAge: { age: '1w' } }, null],
  ['a shorter age', { minimumReleaseAge: { age: '1d' } }, 'minimumReleaseAge.age'],
  ['an extra registry', { registries: { allowed: ['https://registry.npmjs.org/', 'https://evil.example/'] } }, 'registries.allowed'],
  ['fewer registries', { registries: { allowed: ['https://registry.npmjs.org/'] } }, null],
  ['a removed denial', { packages: { deny: ['left-pad'] } }, 'packages.deny'],
  ['an added denial', { packages: { deny: ['event-stream@3.3.6', 'left-pad'] } }, null],
  ['a downgraded severity', { rules: { 'install-scripts': 'warn' } }, 'rules.install-scripts'],
  ['a rule turned off', { rules: { 'install-scripts': 'off' } }, 'rules.install-scripts'],
  ['a severity the org left at default', { rules: { packages: 'warn' } }, null],
  ['a re-pinned scope', { registries: { scopes: { '@acme': 'https://registry.npmjs.org/' } } }, 'registries.scopes.@acme'],
  ['a new pinned scope', { registries: { scopes: { '@other': 'https://npm.acme.example/' } } }, null],
  ['a wider source', { sources: { remote: 'direct' } }, 'sources.remote'],
  ['a narrower source', { sources: { git: 'none' } }, null],
  ['a wider age exclusion', { minimumReleaseAge: { exclude: ['@acme/*', 'lodash'] } }, 'minimumReleaseAge.exclude'],
  ['a script the org refuses', { scripts: { allow: { 'node-ipc': true } } }, 'scripts.allow.node-ipc'],
  ['a script the org did not mention', { scripts: { allow: { esbuild: true } } }, null],
  ['security fixes through the age gate the org refuses', { minimumReleaseAge: { allowSecurityFixes: true } }, 'minimumReleaseAge.allowSecurityFixes'],
  ['script content turned off', { scripts: { content: 'off' } }, 'scripts.content'],
  ['script content raised to block', { scripts: { content: 'block' } }, null],
]

for (const [name, projectPolicy, setting] of CASES) {
  test(`organisation floor: ${name}`, () => {
    if (setting === null) {
      const merged = mergeWithFloor(org(ORG), project(projectPolicy))
      assert.ok(merged.policy)
      return
    }
    try {
      mergeWithFloor(org(ORG), project(projectPolicy))
      assert.unreachable(`${name} should be refused`)
    } catch (error: any) {
      assert.is(error.code, 'EPOLICYLOOSENS')
      assert.is(error.exitCode, 2)
      assert.ok(error.message.startsWith(`${setting} in .safe-npmrc.json`), error.message)
    }
  })
}

test('without an organisation policy the project may set anything', () => {
  const merged = mergeWithFloor([], project({ minimumReleaseAge: { age: '1h' }, rules: { packages: 'off' } }))
  assert.is(merged.policy.minimumReleaseAge.ageMs, 3_600_000)
  assert.is(merged.policy.rules.packages, 'off')
})

test('origins say where each setting came from; lists replace, exceptions add up', () => {
  const merged = mergeWithFloor(
    [{ source: 'org.json', isOrganisation: true, document: { ...ORG, exceptions: [{ package: 'a', rule: 'packages', reason: 'org' }] } }],
    project({ minimumReleaseAge: { age: '5d' }, exceptions: [{ package: 'b', rule: 'sources', reason: 'project' }] }),
  )
  assert.is(merged.origins.get('minimumReleaseAge.age'), '.safe-npmrc.json')
  assert.is(merged.origins.get('packages.deny'), 'org.json')
  assert.is(merged.origins.get('rules.registries'), 'default')
  assert.equal(merged.policy.minimumReleaseAge.exclude, ['@acme/*'])
  assert.equal(merged.policy.exceptions.map((e) => e.source), ['org.json', '.safe-npmrc.json'])
})

function tempProject(files: Record<string, unknown>): string {
  const dir = tempDirRemovedAtExit('safe-npm-policy-')
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true })
    writeFileSync(path.join(dir, name), typeof content === 'string' ? content : JSON.stringify(content))
  }
  return dir
}

test('discovery: package.json "safe-npm", .safe-npmrc (YAML), and the embedded default', async () => {
  const fromPackageJson = await loadPolicy({ cwd: tempProject({ 'package.json': { name: 'x', 'safe-npm': { minimumReleaseAge: { age: '5d' } } } }) })
  assert.is(fromPackageJson.policy.minimumReleaseAge.age, '5d')
  assert.equal(fromPackageJson.files, ['package.json#safe-npm'])
  const fromYaml = await loadPolicy({ cwd: tempProject({ '.safe-npmrc': 'minimumReleaseAge:\n  age: 6d\n' }) })
  assert.is(fromYaml.policy.minimumReleaseAge.age, '6d')
  const none = await loadPolicy({ cwd: tempProject({ 'package.json': { name: 'x' } }) })
  assert.equal(none.files, [])
  assert.is(none.policy.minimumReleaseAge.age, '3d')
})

test('extends: relative files and packages in node_modules, applied before the file itself', async () => {
  const dir = tempProject({
    'base.json': { minimumReleaseAge: { age: '4d' }, packages: { deny: ['a'] } },
    'node_modules/@acme/policy/package.json': { name: '@acme/policy', main: 'policy.json' },
    'node_modules/@acme/policy/policy.json': { sources: { git: 'none' } },
    '.safe-npmrc.json': { extends: ['./base.json', '@acme/policy'], minimumReleaseAge: { age: '5d' } },
  })
  const loaded = await loadPolicy({ cwd: dir })
  assert.is(loaded.policy.minimumReleaseAge.age, '5d')
  assert.equal(loaded.policy.packages.deny, ['a'])
  assert.is(loaded.policy.sources.git, 'none')
  assert.is(loaded.origins.get('sources.git'), 'node_modules/@acme/policy/policy.json')
})

test('an extended policy outside the project may not be code', async () => {
  const dir = tempProject({
    'node_modules/evil-policy/package.json': { name: 'evil-policy', main: 'index.js' },
    'node_modules/evil-policy/index.js': 'module.exports = {}',
    '.safe-npmrc.json': { extends: 'evil-policy' },
  })
  await loadPolicy({ cwd: dir }).then(
    () => assert.unreachable('code policy accepted'),
    (error) => assert.is(error.code, 'EPOLICYCODE'),
  )
})

test('an organisation policy file is applied as a floor', async () => {
  const dir = tempProject({ 'org.json': { minimumReleaseAge: { age: '5d' } }, '.safe-npmrc.json': { minimumReleaseAge: { age: '1d' } } })
  await loadPolicy({ cwd: dir, orgPolicyFile: path.join(dir, 'org.json') }).then(
    () => assert.unreachable('loosening accepted'),
    (error) => {
      assert.is(error.code, 'EPOLICYLOOSENS')
      assert.match(error.message, /^minimumReleaseAge\.age in \.safe-npmrc\.json/)
    },
  )
})

test('extends cycles and missing files are policy errors', async () => {
  const cycle = tempProject({ 'a.json': { extends: './b.json' }, 'b.json': { extends: './a.json' }, '.safe-npmrc.json': { extends: './a.json' } })
  await loadPolicy({ cwd: cycle }).then(() => assert.unreachable(), (error) => assert.is(error.code, 'EPOLICYCYCLE'))
  const missing = tempProject({ '.safe-npmrc.json': { extends: './nope.json' } })
  await loadPolicy({ cwd: missing }).then(() => assert.unreachable(), (error) => assert.is(error.code, 'EPOLICYNOTFOUND'))
})

test.run()
