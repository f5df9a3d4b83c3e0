// The organisation policy (and extends) from a pinned npm package or a pinned
// URL, through the real binary: fetched from the fixture registry (a policy
// package published to it) or a loopback server, integrity checked, kept in
// safe-npm's cache so that it serves offline, and data only.
import { createHash } from 'node:crypto'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { startLocalServer, type LocalServer } from '../helpers/local-server.js'
import { assertExit, assertFinding, sandbox, startHarness, type Harness } from './support.js'

const remote = suite<{ harness: Harness; server: LocalServer; served: { body: string } }>('e2e: organisation policy from a package or URL')

const POLICY_PACKAGE = '@acme/safe-npm-policy'
const ORG = { minimumReleaseAge: { age: '10d' }, packages: { deny: ['left-pad'] } }

remote.before(async (context) => {
  context.harness = await startHarness(['left-pad', 'tiny-dep'])
  await context.harness.registry.publish(POLICY_PACKAGE, {
    version: '1.0.0',
    publishedAt: '-30d',
    files: {
      'policy.json': JSON.stringify(ORG),
      'strict.yaml': 'extends: ./policy.json\nrules:\n  deprecated: block\n',
      'escape.yaml': 'extends: ../outside.json\n',
      'index.js': "throw new Error('a policy package was run')\n",
    },
  })
  context.served = { body: JSON.stringify({ packages: { deny: ['tiny-dep'] } }) }
  context.server = await startLocalServer((request, response) => {
    if (request.url !== '/org/policy.json') return void response.writeHead(404).end()
    response.writeHead(200, { 'content-type': 'application/json' })
    response.end(context.served.body)
  })
})
remote.after(async (context) => {
  await context.server.close()
  await context.harness.close()
})

const manifest = (dependencies: Record<string, string>) => ({ name: 'app', version: '1.0.0', private: true, dependencies })
const sri = (bytes: Buffer | string) => `sha512-${createHash('sha512').update(bytes).digest('base64')}`

remote('npm:<name>@<version> as the organisation floor: applied, named as the source, and served from the cache offline', async ({ harness }) => {
  const spec = `npm:${POLICY_PACKAGE}@1.0.0`
  const box = await sandbox(harness, { 'package.json': manifest({ 'left-pad': '^1.0.0' }) }, { extra: { SAFE_NPM_ORG_POLICY: spec } })
  const shown = await box.safeNpmJson(['policy'])
  assertExit(shown, 0, 'policy')
  assert.equal(shown.report.files, [`${spec}/policy.json`])
  assert.is(shown.report.policy.minimumReleaseAge.age, '10d')
  assert.is(shown.report.origins['minimumReleaseAge.age'], `${spec}/policy.json`)
  const checked = await box.safeNpmJson(['check'])
  assertExit(checked, 1, 'check')
  assertFinding(checked, 'packages/denied', 'left-pad')

  // The floor holds: a project policy may not shorten the organisation's age.
  const looser = await sandbox(harness, { 'package.json': manifest({}), '.safe-npmrc.json': { minimumReleaseAge: { age: '1d' } } }, { extra: { SAFE_NPM_ORG_POLICY: spec } })
  const refused = await looser.safeNpm(['policy'])
  assertExit(refused, 2, 'a looser project policy')
  assert.match(refused.stderr, /EPOLICYLOOSENS: minimumReleaseAge\.age in \.safe-npmrc\.json loosens the organisation policy/)

  const requests = harness.registry.requests.length
  const offline = await box.safeNpmJson(['policy'], { npm_config_offline: 'true' })
  assertExit(offline, 0, 'offline, from the cache')
  assert.is(offline.report.policy.minimumReleaseAge.age, '10d')
  assert.is(harness.registry.requests.length, requests, 'the cache served it: no request')

  const fresh = await sandbox(harness, { 'package.json': manifest({}) }, { extra: { SAFE_NPM_ORG_POLICY: spec, npm_config_offline: 'true' } })
  const missing = await fresh.safeNpm(['policy'])
  assertExit(missing, 2, 'offline without a cache')
  assert.match(missing.stderr, new RegExp(`EPOLICYOFFLINE: ${spec.replace(/[/@.]/g, '\\$&')} is not in safe-npm's cache and npm is offline`))
})

remote('a pinned integrity: the right one applies, another is an error naming the source', async ({ harness }) => {
  const tarball = (await harness.registry.tarball(POLICY_PACKAGE, '1.0.0'))!
  const good = await sandbox(harness, { 'package.json': manifest({}) })
  const pinned = await good.safeNpmJson(['policy', '--org-policy', `npm:${POLICY_PACKAGE}@1.0.0#${sri(tarball)}`])
  assertExit(pinned, 0, 'the right integrity')
  assert.is(pinned.report.policy.minimumReleaseAge.age, '10d')

  const bad = await sandbox(harness, { 'package.json': manifest({}) })
  const wrong = await bad.safeNpm(['policy', '--org-policy', `npm:${POLICY_PACKAGE}@1.0.0#${sri('other bytes')}`])
  assertExit(wrong, 2, 'another integrity')
  assert.match(wrong.stderr, /safe-npm: error EPOLICYINTEGRITY: npm:@acme\/safe-npm-policy@1\.0\.0/)
  // The cached bytes do not have the new pin either: still an error, never the cache.
  const again = await good.safeNpm(['policy', '--org-policy', `npm:${POLICY_PACKAGE}@1.0.0#${sri('other bytes')}`])
  assertExit(again, 2, 'a changed pin with a cache')
  assert.match(again.stderr, /EPOLICYINTEGRITY/)
})

remote('extends from a project policy: a file of the package, relative inside it; never outside it, never code, never a range', async ({ harness }) => {
  const box = await sandbox(harness, { 'package.json': manifest({}), '.safe-npmrc.json': { extends: `npm:${POLICY_PACKAGE}@1.0.0/strict.yaml` } })
  const shown = await box.safeNpmJson(['policy'])
  assertExit(shown, 0, 'extends a package file')
  assert.equal(shown.report.files, [`npm:${POLICY_PACKAGE}@1.0.0/policy.json`, `npm:${POLICY_PACKAGE}@1.0.0/strict.yaml`, '.safe-npmrc.json'])
  assert.is(shown.report.policy.rules.deprecated, 'block')

  const cases: Array<[string, RegExp]> = [
    [`npm:${POLICY_PACKAGE}@1.0.0/escape.yaml`, /EPOLICYSOURCE: npm:@acme\/safe-npm-policy@1\.0\.0\/escape\.yaml: extends "\.\.\/outside\.json" leaves the package/],
    [`npm:${POLICY_PACKAGE}@1.0.0/index.js`, /EPOLICYSOURCE: .*must be a JSON or YAML file/],
    [`npm:${POLICY_PACKAGE}@^1.0.0`, /EPOLICYSOURCE: .*pin an exact version \(got "\^1\.0\.0"\)/],
    [`npm:${POLICY_PACKAGE}`, /EPOLICYSOURCE: .*pin an exact version: npm:<name>@<version>/],
    [`npm:${POLICY_PACKAGE}@1.0.0/none.json`, /EPOLICYNOTFOUND: npm:@acme\/safe-npm-policy@1\.0\.0: the package has no none\.json/],
  ]
  for (const [spec, message] of cases) {
    const bad = await sandbox(harness, { 'package.json': manifest({}), '.safe-npmrc.json': { extends: spec } })
    const result = await bad.safeNpm(['policy'])
    assertExit(result, 2, spec)
    assert.match(result.stderr, message)
  }
})

remote('an https URL pinned by its digest (loopback http in the test): applied, cached, and a changed file is an error naming the URL', async ({ harness, server, served }) => {
  const url = `${server.url}/org/policy.json`
  const box = await sandbox(harness, { 'package.json': manifest({ 'tiny-dep': '^1.0.0' }) })
  const spec = `${url}#${sri(served.body)}`
  const checked = await box.safeNpmJson(['check', '--org-policy', spec])
  assertExit(checked, 1, 'check with the URL policy')
  assertFinding(checked, 'packages/denied', 'tiny-dep')
  assert.equal(checked.report.policy.files, [url])

  const original = served.body
  served.body = JSON.stringify({ packages: { deny: [] } })
  try {
    const fromCache = await box.safeNpmJson(['policy', '--org-policy', spec])
    assertExit(fromCache, 0, 'the cache serves the pinned bytes')
    assert.equal(fromCache.report.policy.packages.deny, ['tiny-dep'])
    const other = await sandbox(harness, { 'package.json': manifest({}) })
    const changed = await other.safeNpm(['policy', '--org-policy', spec])
    assertExit(changed, 2, 'the server changed the file')
    assert.match(changed.stderr, new RegExp(`EPOLICYINTEGRITY: ${url.replace(/[/.]/g, '\\$&')}: the file has sha512-`))
  } finally {
    served.body = original
  }

  for (const [bad, message] of [
    [url, /EPOLICYSOURCE: .*pin it with its integrity/],
    ['http://policy.acme.example/p.json#sha512-AAAA', /EPOLICYSOURCE: .*only fetched over https/],
    [`${url}#md5-abc`, /EPOLICYSOURCE: .*the integrity must be sha256-, sha384- or sha512-/],
  ] as Array<[string, RegExp]>) {
    const result = await box.safeNpm(['policy', '--org-policy', bad])
    assertExit(result, 2, bad)
    assert.match(result.stderr, message)
  }
})

remote.run()
