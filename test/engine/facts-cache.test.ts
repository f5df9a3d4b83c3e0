import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { createHash } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
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
  return mkdtempSync(path.join(tmpdir(), 'safe-npm-facts-'))
}

test('a stored summary reads back with the facts the rules use', async () => {
  const cache = new FactsCache(cacheDir(), DAY)
  await cache.write(summarisePackument(packument), NOW)
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
  await cache.write(summarisePackument(packument), NOW)
  assert.is(await cache.read('left-pad', NOW + 2 * DAY), null)
  assert.is(await cache.read('right-pad', NOW), null)
})

test('a damaged or edited entry is refetched, never trusted', async () => {
  const dir = cacheDir()
  const cache = new FactsCache(dir, DAY)
  await cache.write(summarisePackument(packument), NOW)
  const [file] = readdirSync(dir)
  const text = readFileSync(path.join(dir, file), 'utf8')
  // still valid JSON, one fact changed: an earlier publish time would let a young version pass
  writeFileSync(path.join(dir, file), text.replace('"p":"stevemao"', '"p":"mallory"'))
  assert.is(await cache.read('left-pad', NOW), null)
  writeFileSync(path.join(dir, file), text.slice(0, text.length / 2))
  assert.is(await cache.read('left-pad', NOW), null)
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
  await cache.write(summarisePackument(packument), NOW)
  rewriteVersions(dir, (versions) => {
    versions[1].s.test = 'tap'
    versions[1].zz = 1
  })
  const read = await cache.read('left-pad', NOW)
  assert.equal(read!.byVersion.get('1.3.0')!.scripts, { postinstall: 'node x.js' })
  for (const broken of [{ t: '2018' }, { t: 1e300 }, { p: 7 }, { s: { postinstall: 1 } }, { a: true }, { d: '' }, { v: null }]) {
    await cache.write(summarisePackument(packument), NOW)
    rewriteVersions(dir, (versions) => Object.assign(versions[1], broken))
    assert.is(await cache.read('left-pad', NOW), null, JSON.stringify(broken))
  }
})

test.run()
