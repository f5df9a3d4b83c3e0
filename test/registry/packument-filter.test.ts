// The per-packument judgement without Verdaccio: which rules run, where a version comes from, dist-tags.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { RULES } from '../../lib/rules/index.js'
import { originOf, registryRules, repointDistTags } from '../../lib/registry/packument-filter.js'
import { prepareRules } from '../../lib/engine/judge.js'

await prepareRules(RULES)

test('registry rules: those that declare appliesAtRegistry; registries limited to its declared messages', () => {
  const ids = registryRules(RULES).map((rule) => rule.meta.id)
  for (const clientOnly of ['sources', 'install-scripts', 'package-identity', 'provenance', 'unverifiable', 'dependency-confusion']) {
    assert.not.ok(ids.includes(clientOnly), clientOnly)
  }
  for (const atRegistry of ['known-malware', 'packages', 'typosquatting', 'minimum-release-age', 'suspicious-version', 'registries']) {
    assert.ok(ids.includes(atRegistry), atRegistry)
  }
  const registries = registryRules(RULES).find((rule) => rule.meta.id === 'registries')!
  const view: any = { name: 'tiny-dep', version: '1.0.0', source: 'registry', resolved: 'http://evil.example/tiny-dep/-/tiny-dep-1.0.0.tgz', isFromLockfile: false }
  const context: any = { policy: { registries: { allowed: ['https://npm.acme.example/'], scopes: {}, private: {} } }, configuredRegistries: [], scopedRegistries: {}, defaultRegistry: '', rewritesNpmjs: false }
  assert.equal(registries.check(view, { status: 'known' }, context), [], 'not-allowed-registry and insecure-registry are the client\'s concern')
})

test('origin: an uplink version by its _distfiles URL, a local publish at the own URL', () => {
  const packument = {
    name: '@acme/x',
    versions: { '1.0.0': { dist: { tarball: 'http://old/@acme/x/-/x-1.0.0.tgz' } }, '9.9.9': { dist: { tarball: 'https://registry.npmjs.org/@acme/x/-/x-9.9.9.tgz' } } },
    _attachments: { 'x-1.0.0.tgz': {} },
    _distfiles: { 'x-9.9.9.tgz': { url: 'https://registry.npmjs.org/@acme/x/-/x-9.9.9.tgz' } },
  }
  assert.is(originOf(packument, '1.0.0', 'https://npm.acme.example/'), 'https://npm.acme.example/@acme/x/-/x-1.0.0.tgz')
  assert.is(originOf(packument, '9.9.9', 'https://npm.acme.example/'), 'https://registry.npmjs.org/@acme/x/-/x-9.9.9.tgz')
})

test('dist-tags: kept where allowed, else the newest allowed at or below (stable for a stable tag), latest always set when possible', () => {
  assert.equal(repointDistTags({ latest: '2.0.0', next: '3.0.0-rc.1' }, ['1.0.0', '1.5.0', '3.0.0-beta.2']), { latest: '1.5.0', next: '3.0.0-beta.2' })
  assert.equal(repointDistTags({ latest: '1.0.0' }, ['1.0.0', '2.0.0']), { latest: '1.0.0' })
  assert.equal(repointDistTags({ latest: '1.0.0' }, ['2.0.0']), { latest: '2.0.0' })
  assert.equal(repointDistTags({ latest: '1.0.0' }, []), {})
})

test.run()
