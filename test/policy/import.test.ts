// policy import: each tool's settings mapped with its own units, the stricter
// of two sources kept, what has no equivalent listed, and --write's merge that
// never overrides what the policy file already says.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { durationOf, importSettings, mergeImported, type ImportInputs, type ImportSource } from '../../lib/policy/import.ts'
import { validatePolicy } from '../../lib/policy/load.ts'
import type { PolicyEditor } from '../../lib/policy/policy-file.ts'

const none: ImportInputs = { npmrc: { file: null, values: {} }, manifest: null, pnpmWorkspace: null, yarnrc: null }
const run = (inputs: Partial<ImportInputs>, sources?: ImportSource[]) => importSettings({ ...none, ...inputs }, sources)

test('durations: the shortest policy unit that is at least as long', () => {
  assert.equal([durationOf(3 * 86_400_000), durationOf(14 * 86_400_000), durationOf(90 * 60_000), durationOf(2 * 3_600_000), durationOf(61_000)], ['3d', '2w', '90m', '2h', '2m'])
})

const cases: Array<[string, Partial<ImportInputs>, ImportSource[] | undefined, Record<string, any>]> = [
  ['npm: min-release-age is days; its excludes; allow-git root is direct', { npmrc: { file: '/p/.npmrc', values: { 'min-release-age': 7, 'min-release-age-exclude': ['@acme/*'], 'allow-git': 'root', 'allow-remote': 'none' } } }, ['npm'], { minimumReleaseAge: { age: '1w', exclude: ['@acme/*'] }, sources: { git: 'direct', remote: 'none' } }],
  ['npm: a fraction of a day rounds up to the minute', { npmrc: { file: null, values: { 'min-release-age': 0.5 } } }, ['npm'], { minimumReleaseAge: { age: '12h' } }],
  ['npm: strict-allow-scripts blocks; .npmrc allow-scripts and package.json allowScripts allow', { npmrc: { file: null, values: { 'strict-allow-scripts': true, 'allow-scripts': 'esbuild, sharp' } }, manifest: { allowScripts: { 'nx@21.6.4 || 21.6.5': true, 'core-js': false } } }, ['npm'], { rules: { 'install-scripts': 'block' }, scripts: { allow: { esbuild: true, sharp: true, 'nx@21.6.4 || 21.6.5': true, 'core-js': false } } }],
  ['npm: a scoped registry is pinned', { npmrc: { file: null, values: { '@acme:registry': 'https://npm.acme.example' } } }, ['npm'], { registries: { scopes: { '@acme': 'https://npm.acme.example/' } } }],
  ['pnpm: minimumReleaseAge is minutes; allowBuilds, onlyBuilt, neverBuilt; trustPolicy; blockExoticSubdeps', { pnpmWorkspace: { minimumReleaseAge: 1440, minimumReleaseAgeExclude: ['webpack@4.47.0 || 5.102.1'], allowBuilds: { esbuild: true, 'core-js': false }, onlyBuiltDependencies: ['sharp'], neverBuiltDependencies: ['evil'], trustPolicy: 'no-downgrade', trustPolicyExclude: ['chokidar@4.0.3'], blockExoticSubdeps: true, strictDepBuilds: true } }, ['pnpm'], {
    rules: { 'install-scripts': 'block', 'trust-downgrade': 'block' },
    minimumReleaseAge: { age: '1d', exclude: ['webpack@4.47.0 || 5.102.1'] },
    scripts: { allow: { esbuild: true, 'core-js': false, sharp: true, evil: false } },
    sources: { git: 'direct', remote: 'direct' },
    exceptions: [{ package: 'chokidar@4.0.3', rule: 'trust-downgrade', reason: 'imported from pnpm trustPolicyExclude' }],
  }],
  ['pnpm: pnpm-workspace.yaml wins over package.json "pnpm" and .npmrc kebab-case', { npmrc: { file: null, values: { 'minimum-release-age': '60' } }, manifest: { pnpm: { minimumReleaseAge: 120 } }, pnpmWorkspace: { minimumReleaseAge: 4320 } }, ['pnpm'], { minimumReleaseAge: { age: '3d' } }],
  ['yarn: a bare number is minutes, a unit may follow; preapproved descriptors lose npm:; a scope with gate 0 is excluded; built: false refuses', { yarnrc: { npmMinimalAgeGate: 2880, npmPreapprovedPackages: ['lodash@npm:^4.17.0', '@acme/*'], npmScopes: { corp: { npmRegistryServer: 'https://npm.corp.example/', npmMinimalAgeGate: 0 } } }, manifest: { dependenciesMeta: { fsevents: { built: false } } } }, ['yarn'], {
    registries: { scopes: { '@corp': 'https://npm.corp.example/' } },
    minimumReleaseAge: { age: '2d', exclude: ['lodash@^4.17.0', '@acme/*', '@corp/*'] },
    scripts: { allow: { fsevents: false } },
  }],
  ['yarn: "3h" as a duration string', { yarnrc: { npmMinimalAgeGate: '3h' } }, ['yarn'], { minimumReleaseAge: { age: '3h' } }],
  ['lavamoat: a dependency path allows by its last name', { manifest: { lavamoat: { allowScripts: { keccak: true, 'webpack>watchpack>fsevents': false } } } }, ['lavamoat'], { scripts: { allow: { keccak: true, fsevents: false } } }],
  ['all together: the longest age, a refusal over an allowance, the narrower source', {
    npmrc: { file: null, values: { 'min-release-age': 5, 'allow-git': 'none' } },
    manifest: { allowScripts: { esbuild: true }, lavamoat: { allowScripts: { esbuild: false } } },
    pnpmWorkspace: { minimumReleaseAge: 10080, blockExoticSubdeps: true },
    yarnrc: { npmMinimalAgeGate: '3d' },
  }, undefined, { minimumReleaseAge: { age: '1w' }, scripts: { allow: { esbuild: false } }, sources: { git: 'none', remote: 'direct' } }],
  ['only the sources asked for', { npmrc: { file: null, values: { 'min-release-age': 5 } }, yarnrc: { npmMinimalAgeGate: '1d' } }, ['yarn'], { minimumReleaseAge: { age: '1d' } }],
]

for (const [name, inputs, sources, expected] of cases) {
  test(`import: ${name}`, async () => {
    const result = run(inputs, sources)
    assert.equal(result.document, expected)
    await validatePolicy(result.document, 'imported')
  })
}

test('what has no equivalent is listed with why, and turns nothing off', () => {
  const result = run({
    npmrc: { file: '/p/.npmrc', values: { 'min-release-age': 0, before: '2026-01-01', 'dangerously-allow-all-scripts': true } },
    pnpmWorkspace: { dangerouslyAllowAllBuilds: true, trustPolicyIgnoreAfter: 1440, allowBuilds: { esbuild: 'warn' } },
    yarnrc: { enableScripts: true, npmScopes: { corp: { npmMinimalAgeGate: '1d' } } },
    manifest: { lavamoat: { allowScripts: { $root$: true }, allowBins: {} } },
  })
  assert.equal(result.document, {})
  const from = result.unmapped.map((entry) => entry.from)
  for (const expected of ['.npmrc min-release-age=0', '.npmrc before=2026-01-01', '.npmrc dangerously-allow-all-scripts=true', 'pnpm-workspace.yaml dangerouslyAllowAllBuilds: true', 'pnpm-workspace.yaml trustPolicyIgnoreAfter: 1440', 'pnpm-workspace.yaml allowBuilds["esbuild"]: warn', '.yarnrc.yml enableScripts: true', '.yarnrc.yml npmScopes.corp.npmMinimalAgeGate: 1d', 'package.json lavamoat.allowScripts["$root$"]: true', 'package.json lavamoat.allowBins']) {
    assert.ok(from.includes(expected), `${expected} is listed as not imported: ${from.join(' | ')}`)
  }
  assert.match(result.unmapped.find((entry) => entry.from === '.npmrc min-release-age=0')!.why, /turns the tool's age gate off/)
  assert.equal(result.read.sort(), ['.npmrc', '.yarnrc.yml', 'package.json', 'pnpm-workspace.yaml'])
})

/** An editor over a plain object, to test the merge on its own. */
function plainEditor(root: Record<string, any>): PolicyEditor {
  const parent = (at: readonly string[]) => at.slice(0, -1).reduce((node, key) => (node[key] ??= {}), root)
  return {
    get: (at) => at.reduce<any>((node, key) => node?.[key], root),
    set: (at, value) => void (parent(at)[at[at.length - 1]] = structuredClone(value)),
    append: (at, value) => void (parent(at)[at[at.length - 1]] ??= []).push(value),
    value: () => root,
    text: () => JSON.stringify(root),
  }
}

test('--write merge: adds what is missing, appends list entries and exceptions, keeps what the file sets', () => {
  const file = { minimumReleaseAge: { age: '10d', exclude: ['@acme/*'] }, scripts: { allow: { esbuild: false } }, exceptions: [{ package: 'a', rule: 'packages', reason: 'r' }] }
  const editor = plainEditor(structuredClone(file))
  const report = mergeImported(editor, {
    rules: { 'trust-downgrade': 'block' },
    minimumReleaseAge: { age: '1w', exclude: ['@acme/*', 'lodash'] },
    scripts: { allow: { esbuild: true, sharp: true } },
    exceptions: [{ package: 'a', rule: 'packages', reason: 'other' }, { package: 'b', rule: 'trust-downgrade', reason: 'x' }],
  })
  assert.equal(editor.value(), {
    minimumReleaseAge: { age: '10d', exclude: ['@acme/*', 'lodash'] },
    scripts: { allow: { esbuild: false, sharp: true } },
    exceptions: [{ package: 'a', rule: 'packages', reason: 'r' }, { package: 'b', rule: 'trust-downgrade', reason: 'x' }],
    rules: { 'trust-downgrade': 'block' },
  })
  assert.equal(report.added, ['rules', 'minimumReleaseAge.exclude += lodash', 'scripts.allow.sharp', 'exceptions += b'])
  assert.equal(report.kept, [
    { setting: 'minimumReleaseAge.age', file: '10d', imported: '1w' },
    { setting: 'scripts.allow.esbuild', file: false, imported: true },
  ])
})

test.run()
