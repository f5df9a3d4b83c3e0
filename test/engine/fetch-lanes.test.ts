// Registry work on two threads: the compiled lanes (dist/lib, which npm test
// builds first; run from the .ts sources there is no worker to start) against
// the fixture registry on loopback. What the worker answers must be what the
// main thread would have: the same summaries, the same tarball facts, the same
// errors, and npm's log events arrive where safe-npm listens.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { createRequire } from 'node:module'
import type { FetchLanes as FetchLanesType } from '../../lib/engine/fetch-lanes.ts'
import type { TarballTarget } from '../../lib/npm/tarball-manifest.ts'
import { loadFixturePackages, startRegistry, type FixtureRegistry } from '../helpers/fixture-registry.ts'
import { makeTempDir, removeDirs } from '../helpers/workspace.ts'

const { FetchLanes } = (await import(new URL('../../dist/lib/engine/fetch-lanes.js', import.meta.url).href)) as { FetchLanes: typeof FetchLanesType }
const cacache = createRequire(import.meta.url)('cacache')

const NAMES = ['gyp-pkg', 'with-dep', 'hidden-postinstall', 'tiny-dep', 'fresh-pkg']

async function targetOf(registry: FixtureRegistry, name: string): Promise<TarballTarget> {
  const packument = (await registry.packument(name))!
  const version = packument.versions[packument['dist-tags'].latest]
  return {
    location: `node_modules/${name}`,
    name,
    version: version.version,
    resolved: version.dist.tarball,
    integrity: version.dist.integrity,
    declared: { scripts: {}, hasScriptList: false, dependencies: {}, optionalDependencies: {}, peerDependencies: {}, bin: {} },
  }
}

/** What a lane answered, as comparable data (a rejection as its code). */
const settled = (promise: Promise<unknown>) => promise.then((value) => ({ value }), (error: any) => ({ error: error?.code ?? String(error) }))

test('the worker answers as the main thread does: summaries, tarball facts and errors', async () => {
  const registry = await startRegistry(loadFixturePackages(NAMES))
  const dir = await makeTempDir('safe-npm-lanes-')
  const both = new FetchLanes({ registry: registry.url, cache: `${dir}/both/_cacache`, fetchRetries: 0 }, { jobsBeforeWorker: 0 })
  const main = new FetchLanes({ registry: registry.url, cache: `${dir}/main/_cacache`, fetchRetries: 0 }, { jobsBeforeWorker: Infinity })
  try {
    const targets = await Promise.all(NAMES.map((name) => targetOf(registry, name)))
    const run = (lanes: FetchLanesType) =>
      Promise.all([
        ...[...NAMES, 'no-such-package'].map((name) => settled(lanes.packument(name, false))),
        ...targets.map((target) => settled(lanes.tarball(target))),
      ])
    const [viaBoth, viaMain] = [await run(both), await run(main)]
    assert.ok(both.workerAnswered > 0, 'the worker answered some of the jobs')
    assert.is(main.workerAnswered, 0)
    assert.equal(viaBoth, viaMain)
    assert.equal(viaBoth[NAMES.length], { error: 'E404' })
    const withDep = viaBoth[NAMES.length + 1 + NAMES.indexOf('with-dep')] as { value: any }
    assert.equal(withDep.value.manifest.dependencies, { 'tiny-dep': '^1.0.0' })
  } finally {
    both.close()
    main.close()
    await registry.close()
    await removeDirs(dir)
  }
})

test('a run that says it brings many jobs shares them with the worker from the first; one that brings few stays on the main thread', async () => {
  const registry = await startRegistry(loadFixturePackages(NAMES))
  const dir = await makeTempDir('safe-npm-lanes-')
  const many = new FetchLanes({ registry: registry.url, cache: `${dir}/many/_cacache`, fetchRetries: 0 }, { jobsBeforeWorker: NAMES.length })
  const few = new FetchLanes({ registry: registry.url, cache: `${dir}/few/_cacache`, fetchRetries: 0 }, { jobsBeforeWorker: NAMES.length })
  try {
    many.expect(NAMES.length + 1)
    few.expect(NAMES.length)
    const [viaMany, viaFew] = await Promise.all([many, few].map((lanes) => Promise.all(NAMES.map((name) => settled(lanes.packument(name, false))))))
    assert.ok(many.workerAnswered > 0, 'the worker took some of the first jobs')
    assert.is(few.workerAnswered, 0, 'no more jobs than jobsBeforeWorker: the worker never starts')
    assert.equal(viaMany, viaFew)
  } finally {
    many.close()
    few.close()
    await registry.close()
    await removeDirs(dir)
  }
})

test('packuments fetched from the registry are not stored in npm\'s cache; one already there answers without a request', async () => {
  const registry = await startRegistry(loadFixturePackages(['tiny-dep', 'with-dep']))
  const dir = await makeTempDir('safe-npm-lanes-cache-')
  const npmCache = `${dir}/_cacache`
  const lanes = new FetchLanes({ registry: registry.url, cache: npmCache }, { jobsBeforeWorker: 0 })
  try {
    await lanes.packument('tiny-dep', false)
    const keys = Object.keys(await cacache.ls(npmCache).catch(() => ({})))
    assert.equal(keys.filter((key) => key.includes('tiny-dep')), [])
    // npm (or Arborist) cached this one: it is read from there.
    const pacote = createRequire(import.meta.url)('pacote')
    await pacote.packument('with-dep', { registry: registry.url, cache: npmCache, fullMetadata: true })
    registry.requests.length = 0
    const summary = await lanes.packument('with-dep', false)
    assert.is(summary.name, 'with-dep')
    assert.equal(registry.requests.filter((request) => request.url.includes('with-dep')), [])
  } finally {
    lanes.close()
    await registry.close()
    await removeDirs(dir)
  }
})

test('what npm\'s libraries log in the worker is emitted on the main thread', async () => {
  const registry = await startRegistry(loadFixturePackages(['tiny-dep']))
  const dir = await makeTempDir('safe-npm-lanes-log-')
  const lanes = new FetchLanes({ registry: registry.url, cache: `${dir}/_cacache` }, { jobsBeforeWorker: 0 })
  const logged: unknown[][] = []
  const onLog = (...args: unknown[]) => logged.push(args)
  process.on('log', onLog)
  try {
    await lanes.packument('tiny-dep', false)
    assert.ok(lanes.workerAnswered > 0)
    assert.ok(
      logged.some((args) => args[0] === 'http' && String(args.slice(1).join(' ')).includes('tiny-dep')),
      `an http fetch line for tiny-dep: ${JSON.stringify(logged)}`,
    )
  } finally {
    process.off('log', onLog)
    lanes.close()
    await registry.close()
    await removeDirs(dir)
  }
})

test.run()
