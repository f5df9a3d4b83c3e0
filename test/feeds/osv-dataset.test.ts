// Loading an OSV dataset from a directory tree or a zip, and its cache file:
// reused while the dataset is unchanged, rebuilt when the dataset changes or
// when the cache cannot be read back.

import { cp, mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { isIntelError } from '../../lib/feeds/errors.js'
import { loadOsvDataset, loadOsvDatasetWithDetails } from '../../lib/feeds/osv-dataset.js'
import type { MalwareIndex } from '../../lib/feeds/malware-index.js'
import { writeZip, type ZipInput } from '../helpers/zip-writer.js'

const FIXTURES = fileURLToPath(new URL('../fixtures/intel/osv', import.meta.url))

interface Context { work: string, dataset: string, cache: string }

const dataset = suite<Context>('osv-dataset')

dataset.before.each(async (context) => {
  context.work = await mkdtemp(join(tmpdir(), 'safe-npm-osv-'))
  context.dataset = join(context.work, 'malicious-packages')
  context.cache = join(context.work, 'cache')
  await cp(FIXTURES, context.dataset, { recursive: true })
})

dataset.after.each(async (context) => {
  await rm(context.work, { recursive: true, force: true })
})

function assertFixtureIndex(index: MalwareIndex): void {
  const ids = (name: string, version: string) => index.lookup(name, version).map((entry) => entry.id).sort()
  assert.equal(ids('flatmap-stream', '0.1.1'), ['GHSA-mh6f-8j2x-4483', 'MAL-2025-20690'])
  assert.equal(ids('event-stream', '3.3.6'), ['GHSA-mh6f-8j2x-4483'])
  assert.equal(ids('@typescript_eslinter/eslint', '8.51.0'), ['MAL-2025-9583'])
  assert.equal(ids('electorn', '1.0.0'), ['MAL-0000-electorn'])
  assert.equal(ids('is-promise', '2.2.0'), [], 'withdrawn')
  assert.equal(ids('lodash', '4.17.11'), [], 'not malware')
  assert.not.ok(index.hasPackage('requestss'), 'PyPI')
}

dataset('a directory tree is indexed, then served from the cache while unchanged', async ({ dataset: path, cache }) => {
  const first = await loadOsvDatasetWithDetails(path, cache)
  assert.is(first.fromCache, false)
  assertFixtureIndex(first.index)
  assert.equal(await readdir(cache), [relative(cache, first.cacheFile)])

  const second = await loadOsvDatasetWithDetails(path, cache)
  assert.is(second.fromCache, true)
  assertFixtureIndex(second.index)
  assert.is(second.index.size, first.index.size)
})

dataset('an added, changed or removed file rebuilds the cache', async ({ dataset: path, cache }) => {
  await loadOsvDataset(path, cache)
  const added = join(path, 'osv/malicious/npm/lodahs/MAL-2025-25502.json')
  await cp(join(path, 'osv/malicious/npm/electorn/MAL-0000-electorn.json'), added)
  await writeFile(added, (await readFile(added, 'utf8')).replaceAll('electorn', 'lodahs').replace('"id": ""', '"id": "MAL-2025-25502"'))
  const afterAdd = await loadOsvDatasetWithDetails(path, cache)
  assert.is(afterAdd.fromCache, false)
  assert.equal(afterAdd.index.lookup('lodahs', '1.0.0').map((entry) => entry.id), ['MAL-2025-25502'])

  await utimes(added, new Date('2030-01-01'), new Date('2030-01-01'))
  assert.is((await loadOsvDatasetWithDetails(path, cache)).fromCache, false, 'touched')
  assert.is((await loadOsvDatasetWithDetails(path, cache)).fromCache, true)

  await rm(added)
  const afterRemove = await loadOsvDatasetWithDetails(path, cache)
  assert.is(afterRemove.fromCache, false)
  assert.not.ok(afterRemove.index.hasPackage('lodahs'))
})

dataset('a corrupt or foreign cache file is rebuilt, not trusted', async ({ dataset: path, cache }) => {
  const { cacheFile } = await loadOsvDatasetWithDetails(path, cache)
  const valid = await readFile(cacheFile, 'utf8')
  const corruptions = [
    valid.slice(0, valid.length / 2),
    'not json',
    JSON.stringify({ ...JSON.parse(valid), entries: [{ id: 'MAL-1', name: 'lodash' }] }),
    JSON.stringify({ ...JSON.parse(valid), entries: [] , dataset: '/somewhere/else' }),
    JSON.stringify({ ...JSON.parse(valid), format: 999 }),
    'null',
  ]
  for (const corrupt of corruptions) {
    await writeFile(cacheFile, corrupt)
    const load = await loadOsvDatasetWithDetails(path, cache)
    assert.is(load.fromCache, false, corrupt.slice(0, 40))
    assertFixtureIndex(load.index)
    assert.equal(JSON.parse(await readFile(cacheFile, 'utf8')), JSON.parse(valid), 'the cache is written again')
  }
})

dataset('a bad document throws EOSVPARSE naming the file', async ({ dataset: path, cache }) => {
  await writeFile(join(path, 'osv/malicious/npm/crossenv/MAL-2022-9999.json'), '{ "id": "MAL-2022-9999", "affected": [')
  try {
    await loadOsvDataset(path, cache)
    assert.unreachable('loaded a broken dataset')
  } catch (error) {
    assert.ok(isIntelError(error, 'EOSVPARSE'), String(error))
    assert.match((error as Error).message, 'osv/malicious/npm/crossenv/MAL-2022-9999.json')
  }
  await writeFile(join(path, 'osv/malicious/npm/crossenv/MAL-2022-9999.json'), '{ "id": "MAL-2022-9999", "affected": 7 }')
  try {
    await loadOsvDataset(path, cache)
    assert.unreachable('loaded a malformed document')
  } catch (error) {
    assert.ok(isIntelError(error, 'EOSVPARSE'), String(error))
    assert.match((error as Error).message, /MAL-2022-9999\.json: affected: expected an array/)
  }
})

dataset('a git checkout is fingerprinted by its commit and index, not by a stat of every file', async ({ dataset: path, cache }) => {
  const git = join(path, '.git')
  await mkdir(join(git, 'refs/heads'), { recursive: true })
  await writeFile(join(git, 'HEAD'), 'ref: refs/heads/main\n')
  await writeFile(join(git, 'refs/heads/main'), `${'a'.repeat(40)}\n`)
  await writeFile(join(git, 'index'), 'DIRC')
  await writeFile(join(git, 'config.json'), '{ "not": "osv" }') // never read: dot-folders are skipped
  assert.is((await loadOsvDatasetWithDetails(path, cache)).fromCache, false)
  assert.is((await loadOsvDatasetWithDetails(path, cache)).fromCache, true)

  // A pull moves the branch and rewrites the index.
  await writeFile(join(git, 'refs/heads/main'), `${'b'.repeat(40)}\n`)
  assert.is((await loadOsvDatasetWithDetails(path, cache)).fromCache, false)
  await utimes(join(git, 'index'), new Date('2030-01-01'), new Date('2030-01-01'))
  assert.is((await loadOsvDatasetWithDetails(path, cache)).fromCache, false)

  // A branch only in packed-refs, and a detached HEAD.
  await rm(join(git, 'refs/heads/main'))
  await writeFile(join(git, 'packed-refs'), `# pack-refs with: peeled fully-peeled sorted\n${'c'.repeat(40)} refs/heads/main\n`)
  assert.is((await loadOsvDatasetWithDetails(path, cache)).fromCache, false)
  assert.is((await loadOsvDatasetWithDetails(path, cache)).fromCache, true)
  await writeFile(join(git, 'HEAD'), `${'d'.repeat(40)}\n`)
  assert.is((await loadOsvDatasetWithDetails(path, cache)).fromCache, false)

  // Without an index (not a usable checkout) every file is stat'ed again.
  await rm(join(git, 'index'))
  const load = await loadOsvDatasetWithDetails(path, cache)
  assert.is(load.fromCache, false)
  assertFixtureIndex(load.index)
})

dataset('a single OSV file can be a dataset', async ({ dataset: path, cache }) => {
  const index = await loadOsvDataset(join(path, 'ghsa/GHSA-mh6f-8j2x-4483.json'), cache)
  assert.equal(index.lookup('event-stream', '3.3.6').map((entry) => entry.id), ['GHSA-mh6f-8j2x-4483'])
  assert.not.ok(index.hasPackage('crossenv'))
})

async function fixtureZipInputs(path: string): Promise<ZipInput[]> {
  const files = (await readdir(path, { recursive: true, withFileTypes: true }))
    .filter((item) => item.isFile())
    .map((item) => join(item.parentPath, item.name))
  return Promise.all(files.map(async (file) => ({ name: relative(path, file).split('\\').join('/'), data: await readFile(file) })))
}

for (const variant of [{ deflate: true }, { deflate: false }, { deflate: true, zip64: true }]) {
  dataset(`a zip dataset (${JSON.stringify(variant)}) gives the same index, and is cached`, async ({ dataset: path, work, cache }) => {
    const zip = join(work, 'all.zip')
    await writeFile(zip, writeZip([{ name: 'osv/', data: '' }, ...await fixtureZipInputs(path)], variant))
    const first = await loadOsvDatasetWithDetails(zip, cache)
    assert.is(first.fromCache, false)
    assertFixtureIndex(first.index)
    const second = await loadOsvDatasetWithDetails(zip, cache)
    assert.is(second.fromCache, true)
    assertFixtureIndex(second.index)
  })
}

dataset('a damaged zip throws EOSVZIP', async ({ dataset: path, work, cache }) => {
  const good = writeZip(await fixtureZipInputs(path))
  const damaged: Array<[string, Buffer]> = [
    ['not a zip', Buffer.from('PK but not really')],
    ['truncated', good.subarray(0, good.length - 30)],
    ['a flipped byte in the data', flipByte(good, 30 + good.readUInt16LE(26) + 5)],
  ]
  for (const [label, bytes] of damaged) {
    const zip = join(work, `${label.replaceAll(' ', '-')}.zip`)
    await writeFile(zip, bytes)
    try {
      await loadOsvDataset(zip, cache)
      assert.unreachable(`loaded: ${label}`)
    } catch (error) {
      assert.ok(isIntelError(error, 'EOSVZIP') || isIntelError(error, 'EOSVPARSE'), `${label}: ${String(error)}`)
    }
  }
})

/** A one-entry zip whose first central directory record has been changed by `edit` (offsets from the record's start). */
function editedZip(name: string, edit: (zip: Buffer, record: number) => void, options: { deflate?: boolean } = {}): Buffer {
  const zip = writeZip([{ name, data: '{"id":"MAL-0000-edited","affected":[]}' }], options)
  edit(zip, zip.readUInt32LE(zip.length - 22 + 16))
  return zip
}

dataset('an unsafe or damaged entry throws EOSVZIP, naming the archive: zip-slip names, encryption, bad checksums, sizes and methods', async ({ work, cache }) => {
  const unsafe: Array<[string, Buffer]> = [
    ['a name climbing out with ..', writeZip([{ name: 'osv/../../etc/MAL-1.json', data: '{}' }])],
    ['an absolute name', writeZip([{ name: '/etc/MAL-1.json', data: '{}' }])],
    ['a drive-letter name', writeZip([{ name: 'C:/MAL-1.json', data: '{}' }])],
    ['a backslash name', writeZip([{ name: 'osv\\..\\MAL-1.json', data: '{}' }])],
    ['an encrypted entry', editedZip('MAL-1.json', (zip, record) => zip.writeUInt16LE(1, record + 8))],
    ['compression method 12 (bzip2)', editedZip('MAL-1.json', (zip, record) => zip.writeUInt16LE(12, record + 10))],
    ['a wrong CRC-32', editedZip('MAL-1.json', (zip, record) => zip.writeUInt32LE(zip.readUInt32LE(record + 16) ^ 1, record + 16))],
    ['more inflated bytes than recorded', editedZip('MAL-1.json', (zip, record) => zip.writeUInt32LE(4, record + 24))],
    ['fewer stored bytes than recorded', editedZip('MAL-1.json', (zip, record) => {
      zip.writeUInt32LE(zip.readUInt32LE(record + 20) + 1, record + 20)
      zip.writeUInt32LE(zip.readUInt32LE(record + 24) + 1, record + 24)
    }, { deflate: false })],
    ['a recorded size above the bound (a zip bomb)', editedZip('MAL-1.json', (zip, record) => zip.writeUInt32LE(0xfffffff0, record + 24))],
    ['a record count above the archive', editedZip('MAL-1.json', (zip) => {
      zip.writeUInt16LE(2, zip.length - 22 + 8)
      zip.writeUInt16LE(2, zip.length - 22 + 10)
    })],
  ]
  for (const [label, bytes] of unsafe) {
    const zip = join(work, 'unsafe.zip')
    await writeFile(zip, bytes)
    try {
      await loadOsvDataset(zip, cache)
      assert.unreachable(`loaded: ${label}`)
    } catch (error) {
      assert.ok(isIntelError(error, 'EOSVZIP'), `${label}: ${String(error)}`)
      assert.ok((error as Error).message.startsWith(`${zip}: `), `${label}: names the archive: ${String(error)}`)
    }
  }
  assert.not.ok((await readdir(work)).includes('etc'), 'nothing is written outside')
})

dataset('a bad document inside a zip throws EOSVPARSE naming the entry, not EOSVZIP', async ({ work, cache }) => {
  const zip = join(work, 'all.zip')
  await writeFile(zip, writeZip([{ name: 'osv/MAL-2022-9999.json', data: '{ "id": "MAL-2022-9999", "affected": [' }]))
  try {
    await loadOsvDataset(zip, cache)
    assert.unreachable('loaded a broken document')
  } catch (error) {
    assert.ok(isIntelError(error, 'EOSVPARSE'), String(error))
    assert.match((error as Error).message, 'osv/MAL-2022-9999.json')
  }
})

function flipByte(bytes: Buffer, at: number): Buffer {
  const copy = Buffer.from(bytes)
  copy[at] ^= 0x55
  return copy
}

dataset.run()
