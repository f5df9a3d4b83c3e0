// npm's log events as safe-npm collects them: the real pacote and tar report
// an entry they could not write only as a warning, and the capture turns it
// into an extraction error with the errno, the package folder and the entry.
import Arborist from '@npmcli/arborist'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pacote from 'pacote'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { EXTRACTING_REIFY_STEPS } from '../../lib/npm/arborist-session.ts'
import { NpmLogCapture } from '../../lib/npm/npm-log.ts'
import { unwritableEntryTarball } from '../helpers/raw-tarball.ts'

test('a tarball entry pacote could not write is collected as a tar warning and as an extraction error', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'safe-npm-npm-log-'))
  try {
    await writeFile(join(dir, 'bad.tgz'), unwritableEntryTarball('bad', '1.0.0'))
    const capture = new NpmLogCapture()
    const target = join(dir, 'out')
    // pacote resolves: with tar's strict off, the failed entry is only logged.
    await capture.during(() => pacote.extract(`file:${join(dir, 'bad.tgz')}`, target, { cache: join(dir, 'cache') }))
    const tar = capture.warnings.filter((warning) => warning.title === 'tar')
    assert.is(tar.length, 1)
    assert.is(tar[0].level, 'warn')
    assert.is(tar[0].code, 'TAR_ENTRY_ERROR')
    assert.match(tar[0].message, /^EEXIST: file already exists, mkdir /)
    assert.equal(capture.extractionErrors, [
      { code: 'TAR_ENTRY_ERROR', message: tar[0].message, errno: 'EEXIST', directory: target, file: join(target, 'collides', 'file') },
    ])
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})

test('only warn and error lines are kept, plain data printed as npm does and class instances left out; nothing is collected outside the work', async () => {
  const capture = new NpmLogCapture()
  const listeners = process.listenerCount('log')
  const emit = (...args: unknown[]) => (process.emit as (...a: unknown[]) => boolean)('log', ...args)
  emit('warn', 'before', 'not collected')
  await capture.during(async () => {
    assert.is(process.listenerCount('log'), listeners + 1)
    emit('warn', 'ERESOLVE', 'overriding peer dependency', new (class Node {})())
    emit('warn', 'EBADENGINE', 'Unsupported engine', { package: 'x@1.0.0', required: { node: '>=22' }, current: { node: 'v20.20.2' } })
    emit('error', 'cleanup', 'Failed to remove some directories', [['/x', new Error('EBUSY')]])
    emit('warn', 'deprecated', 'old@1.0.0: use new', new Error('an error is kept by its message'))
    emit('info', 'run', 'not a warning')
    emit('silly', 'tar', 'TAR_ENTRY_ERROR', 'no warning came first', {})
    // Arborist's timer names the node whose tarball is opened in a temporary folder.
    ;(process.emit as (...a: unknown[]) => boolean)('time', 'start', 'idealTree:node_modules/bundler')
    emit('warn', 'tar', 'TAR_ENTRY_INVALID', 'checksum failure')
    // a nested piece of work shares the one listener
    await capture.during(async () => assert.is(process.listenerCount('log'), listeners + 1))
  })
  await capture.during(async () => {
    throw new Error('work failed')
  }).catch(() => {})
  assert.is(process.listenerCount('log'), listeners)
  emit('warn', 'after', 'not collected')
  assert.equal(capture.warnings, [
    { level: 'warn', title: 'ERESOLVE', message: 'overriding peer dependency' },
    { level: 'warn', title: 'EBADENGINE', message: "Unsupported engine { package: 'x@1.0.0', required: { node: '>=22' }, current: { node: 'v20.20.2' } }" },
    { level: 'error', title: 'cleanup', message: "Failed to remove some directories [ [ '/x', 'EBUSY' ] ]" },
    { level: 'warn', title: 'deprecated', message: 'old@1.0.0: use new an error is kept by its message' },
    { level: 'warn', title: 'tar', code: 'TAR_ENTRY_INVALID', message: 'checksum failure' },
  ])
  assert.equal(capture.extractionErrors, [{ code: 'TAR_ENTRY_INVALID', message: 'checksum failure', step: 'idealTree:node_modules/bundler' }])
})

test('the reify steps made to fail on an extraction error exist in this Arborist', () => {
  // Without them the install still fails, but only after Arborist wrote the
  // broken tree (safe-npm then removes the damaged folders itself).
  for (const step of EXTRACTING_REIFY_STEPS) assert.type(Arborist.prototype[step], 'function', String(step))
})

test.run()
