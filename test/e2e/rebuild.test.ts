// safe-npm rebuild runs the install scripts of installed packages the policy
// allows: the way to run a script that was skipped, once it has been reviewed.
// A script gets the environment of the process that runs it: the test in which
// one must run goes through the real binary; the other runs in-process (a
// script that ran anyway would fail the run, see runSafeNpmInProcess).
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { assertExit, explain, sandbox, startHarness, type Harness } from './support.js'

const rebuild = suite<{ harness: Harness }>('e2e: rebuild')

rebuild.before(async (context) => {
  context.harness = await startHarness(['scripted', 'scripted-allowed', 'evil-pkg'], { runner: 'in-process' })
})
rebuild.after(async (context) => {
  await context.harness.close()
})

rebuild('a skipped script runs with rebuild once allowed, and only then', async ({ harness }) => {
  const box = await sandbox(
    harness,
    { 'package.json': { name: 'app', version: '1.0.0', dependencies: { scripted: '^1.0.0', 'scripted-allowed': '^1.0.0' } } },
    { runner: 'binary' },
  )
  assertExit(await box.safeNpm(['install']), 0)
  assert.not.ok(box.markerExists('scripted-ran.txt'), 'unreviewed script skipped at install')

  const unreviewed = await box.safeNpmJson(['rebuild'])
  assertExit(unreviewed, 0, explain(unreviewed))
  assert.equal(unreviewed.report.install.scriptsRun, [])
  assert.not.ok(box.markerExists('scripted-ran.txt'), 'rebuild does not run unreviewed scripts')

  await writeFile(join(box.dir, '.safe-npmrc.json'), JSON.stringify({ scripts: { allow: { scripted: true } } }))
  const allowed = await box.safeNpmJson(['rebuild', 'scripted'])
  assertExit(allowed, 0, explain(allowed))
  assert.equal(allowed.report.install.scriptsRun, ['scripted@1.0.0'])
  assert.ok(box.markerExists('scripted-ran.txt'), 'the allowed script ran')
  assert.not.ok(box.markerExists('scripted-allowed-ran.txt'), 'only the named package was rebuilt')
})

rebuild('rebuild judges what is installed: a denied package blocks it', async ({ harness }) => {
  const box = await sandbox(harness, { 'package.json': { name: 'app', version: '1.0.0', dependencies: { 'evil-pkg': '^1.0.0' } } })
  assertExit(await box.safeNpm(['install']), 0)
  await writeFile(join(box.dir, '.safe-npmrc.json'), JSON.stringify({ packages: { deny: ['evil-pkg'] }, scripts: { allow: { 'evil-pkg': true } } }))
  const result = await box.safeNpmJson(['rebuild'])
  assertExit(result, 1, explain(result))
  assert.not.ok(box.markerExists('evil-pkg-ran.txt'))
})

rebuild.run()
