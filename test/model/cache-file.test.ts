// The writer of cache summaries: a folder made once, each file replaced whole
// (written under a name of its own, then renamed), a folder removed while the
// process runs made again, and nothing left behind but the files themselves.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { readdir, readFile, rm } from 'node:fs/promises'
import path from 'node:path'
import { writeCacheFile } from '../../lib/model/cache-file.ts'
import { tempDirRemovedAtExit } from '../helpers/workspace.ts'

const root = tempDirRemovedAtExit('safe-npm-cache-file-')

test('makes the folder, replaces a file whole, and leaves no temporary files', async () => {
  const file = path.join(root, 'a', 'b', 'summary.json')
  await writeCacheFile(file, '{"first":1}')
  assert.is(await readFile(file, 'utf8'), '{"first":1}')
  // Writers of the same file at once: one whole copy remains.
  await Promise.all(['{"x":1}', '{"x":22}', '{"x":333}'].map((text) => writeCacheFile(file, text)))
  assert.ok(['{"x":1}', '{"x":22}', '{"x":333}'].includes(await readFile(file, 'utf8')))
  assert.equal(await readdir(path.dirname(file)), ['summary.json'])
})

test('a folder removed after it was made is made again', async () => {
  const file = path.join(root, 'removed', 'summary.json')
  await writeCacheFile(file, 'one')
  await rm(path.dirname(file), { recursive: true })
  await writeCacheFile(file, 'two')
  assert.is(await readFile(file, 'utf8'), 'two')
})

test('a file that cannot be written is an error, and no temporary file stays', async () => {
  const blocker = path.join(root, 'blocker')
  await writeCacheFile(blocker, 'a file where a folder should be')
  try {
    await writeCacheFile(path.join(blocker, 'summary.json'), 'x')
    assert.unreachable('writing under a file must fail')
  } catch (error: any) {
    assert.ok(['ENOTDIR', 'EEXIST'].includes(error.code), error.code)
  }
  assert.equal((await readdir(root)).filter((name) => name.endsWith('.tmp')), [])
})

test.run()
