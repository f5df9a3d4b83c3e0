import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { tempDirRemovedAtExit } from '../helpers/workspace.ts'
import { FactsCache } from '../../lib/engine/facts-cache.ts'
import { summarisePackument } from '../../lib/npm/packument-facts.ts'

const NOW = Date.parse('2026-11-27T12:00:00Z')
const DAY = 86_400_000

const packument = {
  name: 'left-pad',
  'dist-tags': { latest: '1.3.0' },
  time: { modified: '2026-01-01T00:00:00Z', '1.0.0': '2016-01-01T00:00:00Z', '1.3.0': '2018-04-01T00:00:00Z' },
  versions: {
    '1.0.0': { name: 'left-pad', version: '1.0.0', _npmUser: { name: 'azer' }, scripts: { test: 'tap' } },
    '1.3.0': {
      name: 'left-pad', version: '1.3.0', _npmUser: { name: 'stevemao' }, deprecated: 'use String.prototype.padStart()',
      scripts: { postinstall: 'node x.js', test: 'tap' }, dist: { attestations: { provenance: { predicateType: 'x' } } },
    },
  },
}

function cacheDir(): string {
  return tempDirRemovedAtExit('safe-npm-facts-')
}

test('a stored summary reads back with the facts the rules use', async () => {
  const cache = new FactsCache(cacheDir(), DAY)
  await cache.write(await summarisePackument(packument), NOW)
  const summary = await cache.read('left-pad', NOW + 1000)
  assert.ok(summary)
  const latest = summary!.byVersion.get('1.3.0')!
  assert.is(latest.publishedAt?.toISOString(), '2018-04-01T00:00:00.000Z')
  assert.is(latest.publisher, 'stevemao')
  assert.equal(latest.scripts, { postinstall: 'node x.js' })
  assert.is(latest.hasProvenance, true)
  assert.is(latest.deprecated, 'use String.prototype.padStart()')
  assert.equal(summary!.versions.map((entry) => entry.version), ['1.0.0', '1.3.0'])
})

test('an entry older than maxAge, or for another name, is not used', async () => {
  const cache = new FactsCache(cacheDir(), DAY)
  await cache.write(await summarisePackument(packument), NOW)
  assert.is(await cache.read('left-pad', NOW + 2 * DAY), null)
  assert.is(await cache.read('right-pad', NOW), null)
})

test('a damaged or edited entry is refetched, never trusted', async () => {
  const dir = cacheDir()
  const cache = new FactsCache(dir, DAY)
  await cache.write(await summarisePackument(packument), NOW)
  const [file] = readdirSync(dir)
  const text = readFileSync(path.join(dir, file), 'utf8')
  // still valid JSON, one fact changed: an earlier publish time would let a young version pass
  writeFileSync(path.join(dir, file), text.replace('"p":"stevemao"', '"p":"mallory"'))
  assert.is(await cache.read('left-pad', NOW), null)
  writeFileSync(path.join(dir, file), text.slice(0, text.length / 2))
  assert.is(await cache.read('left-pad', NOW), null)
})

const SHA512 = 'sha512-Qli5dSpAXQOSw1y/M+uBKT37rj6iZAQMz6Uy5/ZYGIhBLS/ODRHqL4XIDvSAtYpjfia0XKNztlPFa806TWw5Gw=='

const withDist = {
  name: 'inherits',
  time: { '1.0.0': '2011-01-01T00:00:00Z', '2.0.0': '2013-01-01T00:00:00Z', '2.0.1': '2014-01-01T00:00:00Z' },
  versions: {
    // an old publish: only the sha1 shasum
    '1.0.0': { dist: { shasum: '38e1975285bf1f7ba9c84da102bb12771322ac48', tarball: 'https://r.example/inherits/-/inherits-1.0.0.tgz' } },
    '2.0.0': { dist: { integrity: SHA512, shasum: '04d99b4a1eaf9e5f79c05e5d745d53edd1aa8aa1', tarball: 'https://r.example/inherits/-/inherits-2.0.0.tgz', fileCount: 4 } },
    '2.0.1': {},
  },
}

test('the published integrity is summarised (sha1 shasum only for versions without one) and survives the cache', async () => {
  const summary = await summarisePackument(withDist)
  const expected = { '1.0.0': 'sha1-OOGXUoW/H3upyE2hArsSdxMirEg=', '2.0.0': SHA512, '2.0.1': null }
  assert.equal(Object.fromEntries(summary.versions.map((entry) => [entry.version, entry.integrity])), expected)
  const dir = cacheDir()
  const cache = new FactsCache(dir, DAY)
  await cache.write(summary, NOW)
  const read = await cache.read('inherits', NOW)
  assert.ok(read)
  assert.equal(Object.fromEntries(read!.versions.map((entry) => [entry.version, entry.integrity])), expected)
  // only the integrity strings are stored, nothing else of dist
  const text = readFileSync(path.join(dir, readdirSync(dir)[0]), 'utf8')
  assert.not.ok(text.includes('tarball') || text.includes('fileCount') || text.includes('04d99b4a'), text)
})

test('a summary stored in an older format (1: no integrities, 2: no dependency names or maintainers) is refetched', async () => {
  const dir = cacheDir()
  const cache = new FactsCache(dir, DAY)
  await cache.write(await summarisePackument(withDist), NOW)
  const [file] = readdirSync(dir)
  const stored = JSON.parse(readFileSync(path.join(dir, file), 'utf8'))
  assert.is(stored.format, 3)
  for (const format of [1, 2]) {
    writeFileSync(path.join(dir, file), JSON.stringify({ ...stored, format }))
    assert.is(await cache.read('inherits', NOW), null)
  }
})

test('dependency names and maintainers read back; a list is written only where it changes from the version before', async () => {
  const dir = cacheDir()
  const cache = new FactsCache(dir, DAY)
  const manifest = (version: string, dependencies: Record<string, string>, maintainers: unknown) => ({ name: 'lib', version, dependencies, maintainers })
  await cache.write(await summarisePackument({
    name: 'lib',
    time: { '1.0.0': '2020-01-01T00:00:00Z', '1.1.0': '2020-02-01T00:00:00Z', '1.2.0': '2020-03-01T00:00:00Z' },
    versions: {
      '1.0.0': manifest('1.0.0', { b: '1', a: '1' }, [{ name: 'alice' }]),
      '1.1.0': manifest('1.1.0', { a: '1', b: '1' }, [{ name: 'alice' }]),
      '1.2.0': { ...manifest('1.2.0', {}, ['bob <bob@example.com>', { name: 'alice' }]), optionalDependencies: { c: '1' } },
    },
  }), NOW)
  const stored = JSON.parse(readFileSync(path.join(dir, readdirSync(dir)[0]), 'utf8'))
  assert.equal(stored.versions.map((entry: any) => [entry.n, entry.m]), [['a,b', 'alice'], [undefined, undefined], ['c', 'alice,bob']])
  const read = await cache.read('lib', NOW)
  assert.equal(read!.versions.map((entry) => [entry.dependencies, entry.maintainers]), [[['a', 'b'], ['alice']], [['a', 'b'], ['alice']], [['c'], ['alice', 'bob']]])
})

test('a registry integrity of the wrong type makes the packument unverifiable', async () => {
  const summary = await summarisePackument({ name: 'x', versions: { '1.0.0': { dist: { integrity: { sha512: 'x' } } } } })
  assert.equal(summary.problems, ['versions["1.0.0"].dist.integrity: expected a string, got an object'])
})

/** Rewrites the stored versions of the one file in dir (checksum recomputed, as a program that knows the format would). */
function rewriteVersions(dir: string, edit: (versions: any[]) => void): void {
  const [file] = readdirSync(dir)
  const stored = JSON.parse(readFileSync(path.join(dir, file), 'utf8'))
  edit(stored.versions)
  stored.checksum = createHash('sha256').update(JSON.stringify(stored.versions)).digest('hex')
  writeFileSync(path.join(dir, file), JSON.stringify(stored))
}

test('a stored version of the wrong shape is refused even with a matching checksum; extra keys are dropped as the schema drops them', async () => {
  const dir = cacheDir()
  const cache = new FactsCache(dir, DAY)
  await cache.write(await summarisePackument(packument), NOW)
  rewriteVersions(dir, (versions) => {
    versions[1].s.test = 'tap'
    versions[1].zz = 1
  })
  const read = await cache.read('left-pad', NOW)
  assert.equal(read!.byVersion.get('1.3.0')!.scripts, { postinstall: 'node x.js' })
  for (const broken of [{ t: '2018' }, { t: 1e300 }, { p: 7 }, { s: { postinstall: 1 } }, { a: true }, { d: '' }, { v: null }]) {
    await cache.write(await summarisePackument(packument), NOW)
    rewriteVersions(dir, (versions) => Object.assign(versions[1], broken))
    assert.is(await cache.read('left-pad', NOW), null, JSON.stringify(broken))
  }
})

test.run()
