// The live feeds' answers per package version are cached (lib/feeds/answer-cache.ts):
// an unchanged tree asks the registry's bulk advisory endpoint and the OSV API
// nothing; --prefer-online and intel update ask again; --offline uses the cache
// and never asks; an older answer past intel.maxAge is asked again; a feed that
// fails still counts its older answers and is still a problem.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { feedStatus, gatherIntel, type IntelOptions } from '../../lib/engine/feeds.ts'
import type { PackageView } from '../../lib/model/rule.ts'
import { mergeWithFloor } from '../../lib/policy/merge.ts'
import type { PolicyDocument } from '../../lib/policy/schema.ts'
import { loadFixturePackages, startRegistry } from '../helpers/fixture-registry.ts'
import { sendJson, startLocalServer } from '../helpers/local-server.ts'
import { makeTempDir, removeDirs } from '../helpers/workspace.ts'

const policyOf = (document: PolicyDocument) => mergeWithFloor([], [{ source: 'test', isOrganisation: false, document }]).policy
const view = (name: string, version: string) => ({ name, version, source: 'registry', location: `node_modules/${name}` }) as PackageView

test('a second run asks nothing; prefer-online, intel update and an expired max age ask again; offline never asks', async () => {
  const registry = await startRegistry(loadFixturePackages(['left-pad', 'tiny-dep']), {
    advisories: { 'left-pad': [{ id: 1179, title: 'Malware in left-pad', severity: 'critical', vulnerable_versions: '*', cwe: ['CWE-506'] }] },
  })
  const osv = await startLocalServer((request, response) => {
    if (request.url === '/v1/querybatch') {
      const { queries } = JSON.parse(request.body)
      return sendJson(response, 200, { results: queries.map((query: any) => (query.package.name === 'tiny-dep' && query.version === '1.0.0' ? { vulns: [{ id: 'MAL-2026-0001' }] } : {})) })
    }
    return sendJson(response, 200, { id: 'MAL-2026-0001', modified: '2026-01-01T00:00:00Z', affected: [{ package: { ecosystem: 'npm', name: 'tiny-dep' }, versions: ['1.0.0'] }] })
  })
  const cacheDir = await makeTempDir('safe-npm-feed-answers-')
  try {
    const policy = policyOf({ intel: { registryAdvisories: true, osv: { enabled: true, url: osv.url }, maxAge: '1h' } })
    const packages = [view('left-pad', '1.3.0'), view('tiny-dep', '1.0.0')]
    const options = (extra: Partial<IntelOptions> = {}, npm: Record<string, unknown> = {}): IntelOptions => ({
      npmOptions: { registry: registry.url, cache: `${cacheDir}/_cacache`, fetchRetries: 0, ...npm },
      defaultRegistry: registry.url,
      scopedRegistries: {},
      cacheDir,
      projectDir: cacheDir,
      now: new Date('2026-06-01T12:00:00Z'),
      ...extra,
    })
    const requests = () => ({ advisories: registry.advisoryRequests.length, osv: osv.requests.length })
    const reset = () => {
      registry.advisoryRequests.length = 0
      osv.requests.length = 0
    }
    const found = (result: Awaited<ReturnType<typeof gatherIntel>>) =>
      [...result.advisories].flatMap(([key, advisories]) => advisories.map((advisory) => `${key} ${advisory.id}`)).sort()
    const expected = ['left-pad@1.3.0 1179', 'tiny-dep@1.0.0 MAL-2026-0001']

    const first = await gatherIntel(packages, policy, options())
    assert.equal(found(first), expected)
    assert.equal(first.problems, [])
    assert.equal(requests(), { advisories: 1, osv: 2 }, 'cold: one bulk request, one querybatch and one detail')

    reset()
    const second = await gatherIntel(packages, policy, options({ now: new Date('2026-06-01T12:30:00Z') }))
    assert.equal(found(second), expected, 'the same findings from the cache')
    assert.equal(requests(), { advisories: 0, osv: 0 }, 'warm: nothing asked')
    assert.match(second.feeds.map((feed) => feed.detail).join('\n'), /answered from the cache/)

    reset()
    const grown = await gatherIntel([...packages, view('tiny-dep', '1.1.0')], policy, options({ now: new Date('2026-06-01T12:30:00Z') }))
    assert.equal(registry.advisoryRequests, [{ 'tiny-dep': ['1.1.0'] }], 'only the new version is asked')
    assert.equal(found(grown), expected)

    reset()
    await gatherIntel(packages, policy, options({ now: new Date('2026-06-01T12:30:00Z') }, { preferOnline: true }))
    assert.equal(requests(), { advisories: 1, osv: 2 }, '--prefer-online asks again')

    reset()
    await gatherIntel(packages, policy, options({ now: new Date('2026-06-01T14:00:00Z') }))
    assert.equal(requests().advisories, 1, 'past intel.maxAge (1h) the version is asked again')

    reset()
    const offline = await gatherIntel(packages, policy, options({ now: new Date('2026-06-09T00:00:00Z') }, { offline: true }))
    assert.equal(requests(), { advisories: 0, osv: 0 }, '--offline never asks')
    assert.equal(found(offline), expected, 'offline, answers of any age count')
    assert.equal(offline.problems, [])

    reset()
    registry.setAdvisoriesFailure('error500')
    const failing = await gatherIntel(packages, policy, options({ now: new Date('2026-06-09T00:00:00Z') }))
    assert.equal(found(failing).filter((entry) => entry.startsWith('left-pad')), ['left-pad@1.3.0 1179'], 'an older answer still counts when the feed fails')
    const problem = failing.problems.find((entry) => entry.feed.startsWith('registry-advisories:'))
    assert.ok(problem, 'and the outage is still a problem the policy judges')
    assert.match(problem.reason, /older cached answers used for 2 of 2/)
    registry.setAdvisoriesFailure(null)

    const offlineUnknown = await gatherIntel([view('left-pad', '9.9.9')], policy, options({}, { offline: true }))
    assert.ok(offlineUnknown.problems.some((entry) => /offline: 1 package versions have no cached answer/.test(entry.reason)), 'unknown is not safe')

    reset()
    await feedStatus(policy, { ...options(), isRefresh: true })
    reset()
    await gatherIntel(packages, policy, options({ now: new Date('2026-06-09T00:00:00Z') }))
    assert.equal(requests(), { advisories: 1, osv: 2 }, 'after intel update every version is asked again')
  } finally {
    await registry.close()
    await osv.close()
    await removeDirs(cacheDir)
  }
})

test('the version a young one replaces is asked about too, with OSV fixed ranges, and cached alike', async () => {
  const registry = await startRegistry(loadFixturePackages(['fresh-pkg']), {
    advisories: { 'fresh-pkg': [{ id: 1100123, title: 'Prototype pollution in fresh-pkg', severity: 'high', vulnerable_versions: '<1.1.0' }] },
  })
  const ghsa = {
    id: 'GHSA-fre5-h2pk-g000',
    modified: '2026-11-30T00:00:00Z',
    summary: 'Prototype pollution in fresh-pkg',
    affected: [{ package: { ecosystem: 'npm', name: 'fresh-pkg' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '1.1.0' }] }] }],
  }
  const osv = await startLocalServer((request, response) => {
    if (request.url === '/v1/querybatch') {
      const { queries } = JSON.parse(request.body)
      return sendJson(response, 200, { results: queries.map((query: any) => (query.version === '1.0.0' ? { vulns: [{ id: ghsa.id }] } : {})) })
    }
    return sendJson(response, 200, ghsa)
  })
  const cacheDir = await makeTempDir('safe-npm-feed-answers-')
  try {
    const policy = policyOf({ minimumReleaseAge: { allowSecurityFixes: true }, intel: { osv: { enabled: true, url: osv.url } } })
    const options: IntelOptions = {
      npmOptions: { registry: registry.url, cache: `${cacheDir}/_cacache`, fetchRetries: 0 },
      defaultRegistry: registry.url,
      scopedRegistries: {},
      cacheDir,
      projectDir: cacheDir,
      now: new Date('2026-12-01T12:00:00Z'),
    }
    const packages = [{ ...view('fresh-pkg', '1.1.0'), replacesVersion: '1.0.0' }]
    const result = await gatherIntel(packages, policy, options)
    assert.equal(registry.advisoryRequests, [{ 'fresh-pkg': ['1.1.0', '1.0.0'] }], 'the replaced version is in the bulk request')
    const replaced = result.advisories.get('fresh-pkg@1.0.0') ?? []
    assert.equal(replaced.map((advisory) => [advisory.id, advisory.vulnerableVersions ?? null, advisory.fixedIn ?? null]).sort(), [
      ['1100123', '<1.1.0', null],
      ['GHSA-fre5-h2pk-g000', null, ['1.1.0']],
    ])
    assert.equal(result.advisories.get('fresh-pkg@1.1.0'), undefined, 'nothing against the fix itself')

    registry.advisoryRequests.length = 0
    osv.requests.length = 0
    const again = await gatherIntel(packages, policy, options)
    assert.equal([registry.advisoryRequests.length, osv.requests.length], [0, 0], 'second run: nothing asked')
    const byId = (list: any[] = []) => [...list].sort((a, b) => a.id.localeCompare(b.id))
    assert.equal(byId(again.advisories.get('fresh-pkg@1.0.0')), byId(result.advisories.get('fresh-pkg@1.0.0')))

    const off = await gatherIntel(packages, policyOf({ intel: { osv: { enabled: true, url: osv.url } } }), { ...options, cacheDir: `${cacheDir}/off` })
    assert.equal(off.advisories.get('fresh-pkg@1.0.0'), undefined, 'without allowSecurityFixes the replaced version is not asked about')
  } finally {
    await registry.close()
    await osv.close()
    await removeDirs(cacheDir)
  }
})

test.run()
