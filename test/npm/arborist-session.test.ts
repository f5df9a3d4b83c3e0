// The options ArboristSession hands to Arborist, for each kind of session.
// Building a session only constructs Arborist (no tree is loaded), so these
// run in-process against npm config read from isolated temp npmrc files.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { join } from 'node:path'
import { ArboristSession, specFromDirectory, type SessionOptions } from '../../lib/npm/arborist-session.ts'
import type { NpmConfig } from '../../lib/npm/npm-config.ts'
import { isolatedNpm, removeIsolatedNpms } from './isolated-config.ts'

const DAY = 86_400_000
const GATE = new Date('2026-11-20T00:00:00Z')

function session(overrides: Partial<SessionOptions> = {}): SessionOptions {
  return { add: [], before: null, beforeExclude: [], workspaces: [], isCleanInstall: false, ...overrides }
}

async function optionsFor(overrides: Partial<SessionOptions>, npm: { userNpmrc?: string[]; args?: string[] } = {}) {
  const isolated = await isolatedNpm({ userNpmrc: npm.userNpmrc })
  const config = await isolated.load(npm.args ?? [])
  const built = new ArboristSession(config, session(overrides))
  return { options: built.arboristOptions, config, session: built }
}

test.after(removeIsolatedNpms)

test('always: the project path, no audit, no scripts during reify, npm\'s script gate off, complete trees', async () => {
  const { options, config, session: built } = await optionsFor({})
  assert.is(options.path, config.prefix)
  assert.is(built.path, config.prefix)
  assert.is(options.audit, false)
  assert.is(options.auditLevel, null)
  assert.is(options.ignoreScripts, true)
  assert.is(options.allowScripts, null)
  assert.is(options.complete, true)
  assert.is(options.packumentCache, built.packumentCache)
  assert.equal(options.add, [])
  assert.equal(options.workspaces, [])
  assert.is(options.before, null)
  assert.equal(options.minReleaseAgeExclude, [])
  for (const key of ['update', 'rm']) assert.not.ok(key in options, `${key} is only set when the session asks`)
})

test('npm\'s own --ignore-scripts=false cannot turn scripts on during reify', async () => {
  const { options } = await optionsFor({}, { args: ['--ignore-scripts=false'] })
  assert.is(options.ignoreScripts, true)
})

test('npm\'s flat config is passed on (registry, scoped registries, save type)', async () => {
  const { options } = await optionsFor({}, { userNpmrc: ['registry=http://127.0.0.1:4873/', '@acme:registry=http://127.0.0.1:4874/'], args: ['--save-dev'] })
  assert.is(options.registry, 'http://127.0.0.1:4873/')
  assert.is(options['@acme:registry'], 'http://127.0.0.1:4874/')
  assert.is(options.saveType, 'dev')
})

test('install: a relative path spec is taken from the directory safe-npm runs in (config.cwd), not the process\'s', async () => {
  const cwd = '/somewhere/app/src'
  assert.is(specFromDirectory('./vendor/x-1.0.0.tgz', cwd), join(cwd, 'vendor/x-1.0.0.tgz'))
  assert.is(specFromDirectory('../lib', cwd), '/somewhere/app/lib')
  assert.is(specFromDirectory('x@file:../x.tgz', cwd), 'x@/somewhere/app/x.tgz')
  for (const spec of ['left-pad@^1', '@acme/tool', 'npm:left-pad@1', 'github:acme/tool', 'https://example.test/x.tgz', '/abs/x.tgz', 'not a valid spec@@']) {
    assert.is(specFromDirectory(spec, cwd), spec, spec)
  }
  const config: NpmConfig = { ...(await optionsFor({})).config, cwd }
  const options = new ArboristSession(config, session({ add: ['./x.tgz', 'left-pad@^1'] })).arboristOptions
  assert.equal(options.add, [join(cwd, 'x.tgz'), 'left-pad@^1'])
})

test('install: the specs to add and the workspaces', async () => {
  const { options } = await optionsFor({ add: ['left-pad@^1', '@acme/tool'], workspaces: ['packages/a'] })
  assert.equal(options.add, ['left-pad@^1', '@acme/tool'])
  assert.equal(options.workspaces, ['packages/a'])
})

test('the release-age gate: before from the session', async () => {
  const { options } = await optionsFor({ before: GATE })
  assert.equal(options.before, GATE)
})

test('the release-age gate: npm\'s own before applies too, the earlier date wins', async () => {
  const earlier = await optionsFor({ before: GATE }, { args: ['--before=2026-01-01'] })
  assert.equal(earlier.options.before, new Date('2026-01-01'))
  const later = await optionsFor({ before: GATE }, { args: ['--before=2026-11-25'] })
  assert.equal(later.options.before, GATE)
  const onlyNpm = await optionsFor({ before: null }, { args: ['--before=2026-01-01'] })
  assert.equal(onlyNpm.options.before, new Date('2026-01-01'))
})

test('the release-age gate: npm\'s min-release-age counts as its before', async () => {
  const started = Date.now()
  const { options } = await optionsFor({ before: GATE }, { userNpmrc: ['min-release-age=30'] })
  // Whichever of the two dates is earlier.
  const npmBefore = started - 30 * DAY
  const expected = Math.min(npmBefore, GATE.getTime())
  assert.ok(Math.abs((options.before as Date).getTime() - expected) < 60_000, `before ${(options.before as Date).toISOString()}`)
})

test('exclusions from the gate: npm\'s min-release-age-exclude, then the policy\'s', async () => {
  const { options } = await optionsFor(
    { before: GATE, beforeExclude: ['left-pad', '@acme/tool'] },
    { userNpmrc: ['min-release-age-exclude[]=@internal/*'] },
  )
  assert.equal(options.minReleaseAgeExclude, ['@internal/*', 'left-pad', '@acme/tool'])
})

test('update: everything, or the names given; save as the session says', async () => {
  const all = await optionsFor({ update: true, save: false })
  assert.is(all.options.update, true)
  assert.is(all.options.save, false)
  const some = await optionsFor({ update: ['left-pad'], save: true })
  assert.equal(some.options.update, ['left-pad'])
  assert.is(some.options.save, true)
})

test('save is npm\'s unless the session overrides it', async () => {
  const npmSave = await optionsFor({}, { args: ['--no-save'] })
  assert.is(npmSave.options.save, false)
  const overridden = await optionsFor({ save: true }, { args: ['--no-save'] })
  assert.is(overridden.options.save, true)
})

test('uninstall: the names to remove', async () => {
  const { options } = await optionsFor({ rm: ['left-pad', '@acme/tool'] })
  assert.equal(options.rm, ['left-pad', '@acme/tool'])
  assert.equal(options.add, [])
})

test('ci: the lockfile is kept and nothing is saved, whatever the session or npm says', async () => {
  const { options } = await optionsFor({ isCleanInstall: true, save: true }, { args: ['--save', '--package-lock=false'] })
  assert.is(options.packageLock, true)
  assert.is(options.save, false)
})

test('a fake config: only flat and prefix are read to build the options', async () => {
  const config: NpmConfig = {
    flat: { registry: 'http://127.0.0.1:4873/', before: '2025-06-01T00:00:00.000Z', minReleaseAgeExclude: ['x'] },
    positionals: [],
    get: () => undefined,
    isDefault: () => true,
    prefix: '/nonexistent/project',
    defaultRegistry: 'http://127.0.0.1:4873/',
    scopedRegistries: {},
  }
  const options = new ArboristSession(config, session({ before: GATE, beforeExclude: ['y'] })).arboristOptions
  assert.is(options.path, '/nonexistent/project')
  assert.equal(options.before, new Date('2025-06-01T00:00:00.000Z'))
  assert.equal(options.minReleaseAgeExclude, ['x', 'y'])
})

test.run()
