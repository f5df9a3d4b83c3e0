// The filter plugin's memory, without Verdaccio: one gathering and one
// judgement per packument for every client, a bounded number of packuments,
// and nothing judged under an old policy kept once the policy file changes.
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import SafeNpmFilter, { type SafeNpmFilterConfig } from '../../lib/registry/verdaccio-filter.js'
import { makeTempDir, removeDirs } from '../helpers/workspace.js'

const cache = suite<{ dir: string; policyFile: string }>('registry: the filter plugin caches')

const DAY = 86_400_000
// One clock reading for every packument built: the same packument asked again is the same document.
const NOW = Date.now()
const iso = (ago: number) => new Date(NOW - ago).toISOString()

/** A packument as Verdaccio holds it from an uplink: an old version and one published an hour ago. */
function packument(name: string, extraVersion?: string): any {
  const versions = ['1.0.0', '1.1.0', ...(extraVersion ? [extraVersion] : [])]
  const ages: Record<string, number> = { '1.0.0': 400 * DAY, '1.1.0': 3_600_000, [extraVersion ?? '']: 1_800_000 }
  const tarball = (version: string) => `https://registry.example/${name}/-/${name}-${version}.tgz`
  return {
    name,
    'dist-tags': { latest: versions.at(-1) },
    versions: Object.fromEntries(versions.map((version) => [version, { name, version, dist: { tarball: tarball(version), shasum: 'a'.repeat(40) } }])),
    time: { created: iso(400 * DAY), modified: iso(ages[versions.at(-1)!]), ...Object.fromEntries(versions.map((version) => [version, iso(ages[version])])) },
    _distfiles: Object.fromEntries(versions.map((version) => [`${name}-${version}.tgz`, { url: tarball(version), sha: 'a'.repeat(40) }])),
  }
}

function plugin(context: { dir: string; policyFile: string }, extra: Partial<SafeNpmFilterConfig> = {}) {
  const logged: any[] = []
  const logger = { info: () => {}, warn: (fields: object) => logged.push(fields), error: (fields: object) => logged.push(fields) }
  const filter = new SafeNpmFilter(
    { policy: context.policyFile, url: 'http://127.0.0.1:4873/', cacheDir: join(context.dir, 'cache'), ...extra },
    { config: { storage: context.dir, uplinks: { npmjs: { url: 'https://registry.example/' } } }, logger },
  )
  return { filter, logged }
}

const served = async (filter: SafeNpmFilter, doc: any) => Object.keys((await filter.filter_metadata(doc)).versions)

cache.before.each(async (context) => {
  context.dir = await makeTempDir('safe-npm-filter-cache-')
  context.policyFile = join(context.dir, 'policy.json')
  await writeFile(context.policyFile, JSON.stringify({ minimumReleaseAge: { age: '3d' } }))
})
cache.after.each(async (context) => removeDirs(context.dir))

cache('concurrent requests for one packument share one gathering and one judgement; later ones reuse both', async (context) => {
  const { filter } = plugin(context)
  const answers = await Promise.all([1, 2, 3].map(() => served(filter, packument('left-pad-x'))))
  assert.equal(answers, [['1.0.0'], ['1.0.0'], ['1.0.0']], 'the young 1.1.0 is out for every client')
  assert.equal(await served(filter, packument('left-pad-x')), ['1.0.0'])
  assert.equal(filter.cacheStats, { entries: 1, versions: 2, gathered: 1, judged: 1, requests: 4, policyLoads: 1 })
})

cache('a changed packument (a new version, a new modified time) is gathered and judged again', async (context) => {
  const { filter } = plugin(context)
  await served(filter, packument('left-pad-x'))
  assert.equal(await served(filter, packument('left-pad-x', '1.2.0')), ['1.0.0'])
  assert.is(filter.cacheStats.gathered, 2)
  assert.is(filter.cacheStats.judged, 2)
})

cache('decisionMaxAge 0m judges every request while the facts are still reused', async (context) => {
  const { filter } = plugin(context, { decisionMaxAge: '0m' })
  for (let i = 0; i < 3; i++) await served(filter, packument('left-pad-x'))
  assert.is(filter.cacheStats.gathered, 1)
  assert.is(filter.cacheStats.judged, 3)
})

cache('at most cacheEntries packuments are kept, the least recently used leaves first', async (context) => {
  const { filter } = plugin(context, { cacheEntries: 2 })
  for (const name of ['aa-pkg', 'bb-pkg', 'aa-pkg', 'cc-pkg']) await served(filter, packument(name))
  assert.is(filter.cacheStats.entries, 2)
  assert.is(filter.cacheStats.gathered, 3, 'aa-pkg was used again before cc-pkg came, so bb-pkg left')
  await served(filter, packument('aa-pkg'))
  assert.is(filter.cacheStats.gathered, 3, 'aa-pkg is still kept')
  await served(filter, packument('bb-pkg'))
  assert.is(filter.cacheStats.gathered, 4, 'bb-pkg was not')
  assert.is(filter.cacheStats.entries, 2)
})

cache('at most cacheVersions versions in all: big packuments push out more entries', async (context) => {
  const { filter } = plugin(context, { cacheVersions: 5 })
  for (const name of ['aa-pkg', 'bb-pkg']) await served(filter, packument(name))
  assert.equal([filter.cacheStats.entries, filter.cacheStats.versions], [2, 4])
  await served(filter, packument('cc-pkg', '1.2.0'))
  assert.equal([filter.cacheStats.entries, filter.cacheStats.versions], [2, 5], 'three versions more: the oldest entry leaves')
  await served(filter, packument('dd-pkg', '1.2.0'))
  assert.equal([filter.cacheStats.entries, filter.cacheStats.versions], [1, 3], 'and three more: both others leave')
})

cache('a changed policy file is read again and nothing judged under the old policy is served', async (context) => {
  const { filter } = plugin(context, { policyCheckSeconds: 0 })
  assert.equal(await served(filter, packument('left-pad-x')), ['1.0.0'])
  await writeFile(context.policyFile, JSON.stringify({ minimumReleaseAge: { age: '30m' } }))
  assert.equal(await served(filter, packument('left-pad-x')), ['1.0.0', '1.1.0'], 'an hour old is old enough now')
  assert.equal(filter.cacheStats, { entries: 1, versions: 2, gathered: 2, judged: 2, requests: 2, policyLoads: 2 })
  // Unchanged files: no new read.
  await served(filter, packument('left-pad-x'))
  assert.is(filter.cacheStats.policyLoads, 2)
})

cache('a policy file broken while running withholds everything until it is fixed', async (context) => {
  const { filter, logged } = plugin(context, { policyCheckSeconds: 0 })
  assert.equal(await served(filter, packument('left-pad-x')), ['1.0.0'])
  await writeFile(context.policyFile, '{ "minimumReleaseAge": ')
  assert.equal(await served(filter, packument('left-pad-x')), [])
  assert.ok(logged.some((fields: any) => fields.safeNpm?.event === 'policy-error'), JSON.stringify(logged))
  await writeFile(context.policyFile, JSON.stringify({ minimumReleaseAge: { age: '2d' } }))
  assert.equal(await served(filter, packument('left-pad-x')), ['1.0.0'])
})

cache.run()
