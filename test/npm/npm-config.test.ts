// npm's configuration as safe-npm reads it, from isolated temp npmrc files only.
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { normaliseRegistry } from '../../lib/npm/npm-config.ts'
import { UsageError } from '../../lib/errors.ts'
import { isolatedNpm, removeIsolatedNpms } from './isolated-config.ts'

const DAY = 86_400_000

test.after(removeIsolatedNpms)

test('normaliseRegistry adds one trailing slash', () => {
  assert.is(normaliseRegistry('http://127.0.0.1:4873'), 'http://127.0.0.1:4873/')
  assert.is(normaliseRegistry('http://127.0.0.1:4873/'), 'http://127.0.0.1:4873/')
  assert.is(normaliseRegistry('https://npm.example/api/npm'), 'https://npm.example/api/npm/')
})

test('a cafile of several certificates is handed on as one PEM string, every certificate in it', async () => {
  const npm = await isolatedNpm()
  const pem = (body: string) => `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----`
  const cafile = join(npm.home, 'bundle.pem')
  await writeFile(cafile, `${pem('QUFBQQ==')}\n${pem('QkJCQg==')}\n`)
  const config = await npm.load([`--cafile=${cafile}`])
  assert.type(config.flat.ca, 'string')
  assert.is(config.flat.ca.match(/BEGIN CERTIFICATE/g)?.length, 2)
  assert.ok(config.flat.ca.includes('QUFBQQ==') && config.flat.ca.includes('QkJCQg=='))
})

test('nothing configured: the public registry, no scopes, every key default', async () => {
  const npm = await isolatedNpm()
  const config = await npm.load()
  assert.is(config.defaultRegistry, 'https://registry.npmjs.org/')
  assert.equal(config.scopedRegistries, {})
  assert.ok(config.isDefault('registry'))
  assert.ok(config.isDefault('save'))
  assert.is(config.prefix, npm.project)
  assert.equal(config.positionals, [])
})

test('the user .npmrc: default registry (normalised) and scoped registries', async () => {
  const npm = await isolatedNpm({
    userNpmrc: ['registry=http://127.0.0.1:4873', '@acme:registry=http://127.0.0.1:4874/acme', '@other:registry=http://127.0.0.1:4875/'],
  })
  const config = await npm.load()
  assert.is(config.defaultRegistry, 'http://127.0.0.1:4873/')
  assert.equal(config.scopedRegistries, { '@acme': 'http://127.0.0.1:4874/acme/', '@other': 'http://127.0.0.1:4875/' })
  assert.not.ok(config.isDefault('registry'))
})

test('the project .npmrc overrides the user one', async () => {
  const npm = await isolatedNpm({
    userNpmrc: ['registry=http://127.0.0.1:4873/', '@acme:registry=http://127.0.0.1:4874/'],
    projectNpmrc: ['@acme:registry=http://127.0.0.1:4999/'],
  })
  const config = await npm.load()
  assert.is(config.defaultRegistry, 'http://127.0.0.1:4873/')
  assert.equal(config.scopedRegistries, { '@acme': 'http://127.0.0.1:4999/' })
})

test('the environment overrides the npmrc files, the command line overrides both', async () => {
  const npm = await isolatedNpm({ userNpmrc: ['registry=http://127.0.0.1:4873/'] })
  const fromEnv = await npm.load([], { env: { npm_config_registry: 'http://127.0.0.1:5001/' } })
  assert.is(fromEnv.defaultRegistry, 'http://127.0.0.1:5001/')
  const fromFlag = await npm.load(['--registry=http://127.0.0.1:5002'], { env: { npm_config_registry: 'http://127.0.0.1:5001/' } })
  assert.is(fromFlag.defaultRegistry, 'http://127.0.0.1:5002/')
  const scoped = await npm.load(['--@acme:registry=http://127.0.0.1:5003/'])
  assert.equal(scoped.scopedRegistries, { '@acme': 'http://127.0.0.1:5003/' })
})

test('positionals and flags from the arguments', async () => {
  const npm = await isolatedNpm()
  const config = await npm.load(['left-pad@1', '--save-dev', '@acme/tool', '--ignore-scripts'])
  assert.equal(config.positionals, ['left-pad@1', '@acme/tool'])
  assert.is(config.get('save-dev'), true)
  assert.is(config.flat.saveType, 'dev')
  assert.is(config.get('ignore-scripts'), true)
  assert.not.ok(config.isDefault('ignore-scripts'))
})

test('min-release-age and its exclusions reach the flat options', async () => {
  const npm = await isolatedNpm({ userNpmrc: ['min-release-age=3', 'min-release-age-exclude[]=@acme/*', 'min-release-age-exclude[]=left-pad'] })
  const started = Date.now()
  const config = await npm.load()
  const before = config.flat.before as Date
  assert.instance(before, Date)
  assert.ok(Math.abs(before.getTime() - (started - 3 * DAY)) < 60_000, `before ${before.toISOString()} should be 3 days ago`)
  assert.equal(config.flat.minReleaseAgeExclude, ['@acme/*', 'left-pad'])
})

test('the prefix is the nearest folder with a package.json', async () => {
  const npm = await isolatedNpm()
  const nested = join(npm.project, 'src', 'deep')
  await mkdir(nested, { recursive: true })
  const config = await npm.load([], { cwd: nested })
  assert.is(config.prefix, npm.project)
})

test('a user npmrc that cannot be read is a usage error', async () => {
  const npm = await isolatedNpm()
  const notAFile = join(npm.home, 'npmrc-dir')
  await mkdir(notAFile)
  let caught: unknown
  try {
    await npm.load([], { env: { npm_config_userconfig: notAFile } })
  } catch (error) {
    caught = error
  }
  assert.instance(caught, UsageError)
  assert.is((caught as UsageError).code, 'ENPMCONFIG')
})

test('a missing user npmrc is fine (npm ignores it too)', async () => {
  const npm = await isolatedNpm()
  const config = await npm.load([], { env: { npm_config_userconfig: join(npm.home, 'no-such-npmrc') } })
  assert.is(config.defaultRegistry, 'https://registry.npmjs.org/')
})

test('only the given environment is read: HOME and the npmrc paths are the temp ones', async () => {
  const npm = await isolatedNpm({ userNpmrc: ['registry=http://127.0.0.1:4873/'] })
  await writeFile(join(npm.home, '.npmrc-global'), 'registry=http://127.0.0.1:6000/\n')
  const config = await npm.load()
  assert.is(config.get('userconfig'), join(npm.home, '.npmrc'))
  assert.is(config.get('globalconfig'), join(npm.home, '.npmrc-global'))
  // The user file outranks the global one; both are the temp files.
  assert.is(config.defaultRegistry, 'http://127.0.0.1:4873/')
})

test.run()
