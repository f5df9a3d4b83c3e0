// safe-npm dedupe: npm dedupe's tree, judged before anything is written. The
// first test runs the real binary, the second the CLI in-process.
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { diffSnapshots, snapshot } from '../helpers/workspace.js'
import { assertExit, assertFinding, explain, sandbox, startHarness, type Harness } from './support.js'

const dedupe = suite<{ harness: Harness }>('e2e: dedupe')

dedupe.before(async (context) => {
  context.harness = await startHarness(['tiny-dep', 'with-dep'], { runner: 'in-process' })
})
dedupe.after(async (context) => {
  await context.harness.close()
})

const project = { 'package.json': { name: 'app', version: '1.0.0', dependencies: { 'with-dep': '^1.0.0', 'tiny-dep': '^1.0.0' } } }

dedupe('an already deduplicated tree stays as it is', async ({ harness }) => {
  const box = await sandbox(harness, project, { runner: 'binary' })
  assertExit(await box.safeNpm(['install']), 0)
  const result = await box.safeNpmJson(['dedupe'])
  assertExit(result, 0, explain(result))
  assert.is(result.report.command, 'dedupe')
  assert.is(result.report.install.added + result.report.install.removed + result.report.install.changed, 0)
})

dedupe('a blocked dedupe writes nothing', async ({ harness }) => {
  const box = await sandbox(harness, project)
  assertExit(await box.safeNpm(['install']), 0)
  await writeFile(join(box.dir, '.safe-npmrc.json'), JSON.stringify({ packages: { deny: ['tiny-dep'] } }))
  const before = await snapshot(box.dir)
  const result = await box.safeNpmJson(['dedupe'])
  assertExit(result, 1, explain(result))
  assertFinding(result, 'packages/denied', 'tiny-dep')
  assert.equal(diffSnapshots(before, await snapshot(box.dir)), { added: [], removed: [], changed: [] })
})

dedupe.run()
