// Reify's tarballs unpacked on both threads: pacote.extract, while
// unpackingWith runs, hands registry tarballs pinned by an integrity to the
// fetch lanes (the compiled ones, dist/lib, which npm test builds first: run
// from sources there is no worker). What the worker writes, the errors it
// meets and the warnings it logs must be what the main thread's own
// extraction gives; anything else (a local tarball) is unpacked here.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { createHash } from 'node:crypto'
import { readdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { FetchLanes as FetchLanesType } from '../../lib/engine/fetch-lanes.ts'
import { requireCommonJs } from '../../lib/model/commonjs.ts'
import { NpmLogCapture } from '../../lib/npm/npm-log.ts'
import { unpackingWith } from '../../lib/npm/shared-unpacking.ts'
import { loadFixturePackages, startRegistry, type FixtureRegistry } from '../helpers/fixture-registry.ts'
import { unwritableEntryTarball } from '../helpers/raw-tarball.ts'
import { makeTempDir, removeDirs } from '../helpers/workspace.ts'

const { FetchLanes } = (await import(new URL('../../dist/lib/engine/fetch-lanes.js', import.meta.url).href)) as { FetchLanes: typeof FetchLanesType }
const pacote: typeof import('pacote') = requireCommonJs('pacote')

const NAMES = ['gyp-pkg', 'with-dep', 'hidden-postinstall', 'tiny-dep', 'left-pad']

/** Every file under `dir` with a digest of its bytes. */
async function filesOf(dir: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {}
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue
    const file = path.join(entry.parentPath, entry.name)
    files[path.relative(dir, file)] = createHash('sha256').update(await readFile(file)).digest('hex')
  }
  return files
}

/** Reify's call for one package: `name@URL`, with its resolved URL and integrity. */
async function reifyCallOf(registry: FixtureRegistry, name: string, version?: string) {
  const packument = (await registry.packument(name))!
  const manifest = packument.versions[version ?? packument['dist-tags'].latest]
  return { spec: `${name}@${manifest.dist.tarball}`, resolved: manifest.dist.tarball as string, integrity: manifest.dist.integrity as string }
}

const settled = (promise: Promise<unknown>) => promise.then(() => 'ok', (error: any) => error?.code ?? String(error))

test('registry tarballs unpacked on the worker are the files the main thread unpacks; a wrong integrity fails the same way', async () => {
  const registry = await startRegistry(loadFixturePackages(NAMES))
  const dir = await makeTempDir('safe-npm-unpack-')
  const npmOptions = { registry: registry.url, cache: path.join(dir, 'cache'), fetchRetries: 0 }
  const lanes = new FetchLanes(npmOptions, { jobsBeforeWorker: 0 })
  try {
    const calls = await Promise.all(NAMES.map((name) => reifyCallOf(registry, name)))
    const unpackAll = (folder: string) =>
      Promise.all(calls.map((call, index) => pacote.extract(call.spec, path.join(dir, folder, NAMES[index]), { ...npmOptions, resolved: call.resolved, integrity: call.integrity, allowRemote: 'all' })))
    await unpackingWith(lanes, npmOptions, () => unpackAll('shared'))
    assert.ok(lanes.workerAnswered > 0, 'the worker unpacked some of them')
    await unpackAll('here')
    const [shared, here] = [await filesOf(path.join(dir, 'shared')), await filesOf(path.join(dir, 'here'))]
    assert.ok(Object.keys(here).includes('with-dep/package.json'))
    assert.equal(shared, here)

    // Other bytes than the integrity pins: npm's error code, from either thread.
    registry.setFailure('tiny-dep', 'integrity', 'tarball')
    const tiny = calls[NAMES.indexOf('tiny-dep')]
    const badCall = (cache: string, folder: string) =>
      pacote.extract(tiny.spec, path.join(dir, folder), { ...npmOptions, cache: path.join(dir, cache), resolved: tiny.resolved, integrity: tiny.integrity, allowRemote: 'all' })
    const answered = lanes.workerAnswered
    const viaShared = await unpackingWith(lanes, npmOptions, () => Promise.all([1, 2, 3, 4].map((n) => settled(badCall(`cache-bad-${n}`, `bad-${n}`)))))
    const viaHere = await settled(badCall('cache-bad-here', 'bad-here'))
    assert.is(viaHere, 'EINTEGRITY')
    assert.equal(viaShared, [viaHere, viaHere, viaHere, viaHere])
    assert.ok(lanes.workerAnswered > answered, 'the worker met some of the failures')
  } finally {
    lanes.close()
    await registry.close()
    await removeDirs(dir)
  }
})

test("a tar warning the worker's extraction logs reaches the main thread's capture whole: code, errno, folder and entry", async () => {
  const registry = await startRegistry(loadFixturePackages(['tiny-dep']))
  await registry.publish('bad-entry', { version: '1.0.0', publishedAt: '-30d', rawTarball: unwritableEntryTarball('bad-entry', '1.0.0') })
  const dir = await makeTempDir('safe-npm-unpack-')
  const npmOptions = { registry: registry.url, cache: path.join(dir, 'cache'), fetchRetries: 0 }
  const lanes = new FetchLanes(npmOptions, { jobsBeforeWorker: 0 })
  try {
    const call = await reifyCallOf(registry, 'bad-entry')
    const unpack = (folder: string) => pacote.extract(call.spec, path.join(dir, folder), { ...npmOptions, resolved: call.resolved, integrity: call.integrity, allowRemote: 'all' })
    const shared = new NpmLogCapture()
    // The first job goes to the worker (none in flight anywhere yet).
    const details: unknown[] = []
    const listener = (level: unknown, title: unknown, ...rest: unknown[]) => level === 'silly' && title === 'tar' && details.push(rest[2])
    process.on('log', listener)
    try {
      await shared.during(() => unpackingWith(lanes, npmOptions, () => unpack('shared')))
    } finally {
      process.off('log', listener)
    }
    assert.is(lanes.workerAnswered, 1)
    // tar's detail is an Error with its fields, as when logged on this thread.
    assert.ok(details[0] instanceof Error, 'the detail arrives as an Error')
    assert.is((details[0] as any).code, 'EEXIST')
    const here = new NpmLogCapture()
    await here.during(() => unpack('here'))
    assert.is(here.extractionErrors.length, 1)
    const inFolder = (errors: typeof here.extractionErrors, folder: string) =>
      errors.map((error) => ({
        ...error,
        message: error.message.replaceAll(path.join(dir, folder), '<folder>'),
        directory: path.relative(path.join(dir, folder), error.directory!),
        file: path.relative(path.join(dir, folder), error.file!),
      }))
    assert.equal(inFolder(shared.extractionErrors, 'shared'), inFolder(here.extractionErrors, 'here'))
  } finally {
    lanes.close()
    await registry.close()
    await removeDirs(dir)
  }
})

test('a local tarball is unpacked on this thread; after the work pacote.extract is pacote’s own again', async () => {
  const dir = await makeTempDir('safe-npm-unpack-')
  const lanes = new FetchLanes({ cache: path.join(dir, 'cache') }, { jobsBeforeWorker: 0 })
  const original = pacote.extract
  try {
    await writeFile(path.join(dir, 'local.tgz'), unwritableEntryTarball('local', '1.0.0'))
    await unpackingWith(lanes, {}, () => pacote.extract(`file:${path.join(dir, 'local.tgz')}`, path.join(dir, 'out'), { cache: path.join(dir, 'cache') }))
    assert.is(lanes.workerAnswered, 0)
    assert.ok((await readdir(path.join(dir, 'out'))).includes('package.json'))
    assert.is(pacote.extract, original)
  } finally {
    lanes.close()
    await removeDirs(dir)
  }
})

test.run()
