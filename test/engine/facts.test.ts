// Facts are those of the package the view names (its tarball), and only a
// packument of that package answers for it.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { gatherFacts } from '../../lib/engine/facts.ts'
import type { PackageView } from '../../lib/model/rule.js'
import { FactsCache } from '../../lib/engine/facts-cache.ts'
import { RecordingPackumentCache, summarisePackument } from '../../lib/npm/packument-facts.ts'

const DAY = 86_400_000
import { sendJson, startLocalServer } from '../helpers/local-server.ts'

const packumentOf = (name: string, version: string, time: string) => ({
  name,
  'dist-tags': { latest: version },
  time: { [version]: time },
  versions: { [version]: { name, version, _npmUser: { name: 'alice' } } },
})

const view = (name: string, version: string) => ({ name, version, location: `node_modules/${name}`, source: 'registry' }) as PackageView

test('a packument that names another package does not answer for the one asked about', async () => {
  const server = await startLocalServer((request, response) => {
    // asked for fresh-pkg, answers with left-pad-lite's packument
    if (request.url.startsWith('/fresh-pkg')) return sendJson(response, 200, packumentOf('left-pad-lite', '1.0.1', '2020-01-01T00:00:00Z'))
    return sendJson(response, 404, {})
  })
  const npmCache = mkdtempSync(path.join(tmpdir(), 'safe-npm-facts-npm-'))
  try {
    const cache = new RecordingPackumentCache()
    const npmOptions = { registry: `${server.url}/`, cache: npmCache }
    const facts = await gatherFacts([view('fresh-pkg', '1.0.1')], { npmOptions, cache })
    const found = facts.get('node_modules/fresh-pkg')
    assert.is(found?.status, 'unverifiable')
    assert.match(found?.reason ?? '', /left-pad-lite/)
  } finally {
    await server.close()
    rmSync(npmCache, { recursive: true, force: true })
  }
})

test('facts come from the summary of the package named, Arborist\'s cache first', async () => {
  const cache = new RecordingPackumentCache()
  // As pacote stores them: the cache summarises each full packument it is given.
  cache.set('full:https://r.example/fresh-pkg', packumentOf('fresh-pkg', '1.0.1', '2026-11-27T10:00:00Z'))
  cache.set('full:https://r.example/left-pad-lite', packumentOf('left-pad-lite', '1.0.0', '2020-01-01T00:00:00Z'))
  const facts = await gatherFacts([view('fresh-pkg', '1.0.1')], { npmOptions: {}, cache })
  assert.is(facts.get('node_modules/fresh-pkg')?.version?.publishedAt?.toISOString(), '2026-11-27T10:00:00.000Z')
})

test('--offline: nothing is asked; a stored summary of any age answers, a package with none is unverifiable', async () => {
  let requests = 0
  const server = await startLocalServer((_request, response) => {
    requests++
    return sendJson(response, 200, packumentOf('fresh-pkg', '1.0.1', '2020-01-01T00:00:00Z'))
  })
  const dir = mkdtempSync(path.join(tmpdir(), 'safe-npm-facts-offline-'))
  try {
    const summaries = new FactsCache(path.join(dir, 'facts'), DAY)
    const now = Date.now()
    // Stored ten days ago: past maxAge, which only --offline accepts.
    await summaries.write(await summarisePackument(packumentOf('old-pkg', '2.0.0', '2020-01-01T00:00:00Z')), now - 10 * DAY)
    const npmOptions = { registry: `${server.url}/`, cache: path.join(dir, '_cacache'), offline: true }
    const facts = await gatherFacts([view('old-pkg', '2.0.0'), view('fresh-pkg', '1.0.1')], { npmOptions, cache: new RecordingPackumentCache(), summaries, now })
    assert.is(facts.get('node_modules/old-pkg')?.status, 'known')
    assert.is(facts.get('node_modules/fresh-pkg')?.status, 'unverifiable')
    assert.match(facts.get('node_modules/fresh-pkg')?.reason ?? '', /ENOTCACHED/)
    assert.is(requests, 0)
    // Online, the old summary is past its age and the registry is asked.
    const online = await gatherFacts([view('old-pkg', '2.0.0')], { npmOptions: { ...npmOptions, offline: false }, cache: new RecordingPackumentCache(), summaries: new FactsCache(path.join(dir, 'facts'), DAY), now })
    assert.is(online.get('node_modules/old-pkg')?.status, 'unverifiable')
    assert.ok(requests > 0, 'the registry was asked')
  } finally {
    await server.close()
    rmSync(dir, { recursive: true, force: true })
  }
})

test.run()
