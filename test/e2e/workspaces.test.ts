// Workspaces: every workspace's dependencies are judged, and -w takes a
// workspace's name or folder as npm does. The CLI runs in-process.
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { readJson } from '../helpers/workspace.js'
import { assertExit, assertFinding, explain, installedPackages, sandbox, startHarness, type Harness } from './support.js'

const workspaces = suite<{ harness: Harness }>('e2e: workspaces')

workspaces.before(async (context) => {
  context.harness = await startHarness(['left-pad', 'tiny-dep', 'fresh-only'], { runner: 'in-process' })
})
workspaces.after(async (context) => {
  await context.harness.close()
})

const project = {
  'package.json': { name: 'monorepo', version: '1.0.0', private: true, workspaces: ['packages/*'] },
  'packages/a/package.json': { name: 'a', version: '1.0.0', dependencies: { 'left-pad': '^1.0.0' } },
  'packages/b/package.json': { name: 'b', version: '1.0.0', dependencies: { 'fresh-only': '^1.0.0' } },
}

workspaces('a young dependency of one workspace blocks the whole install', async ({ harness }) => {
  const box = await sandbox(harness, project)
  const result = await box.safeNpmJson(['install'])
  assertExit(result, 1)
  const finding = assertFinding(result, 'minimum-release-age/too-young', 'fresh-only')
  assert.equal(finding.path, ['monorepo', 'b', 'fresh-only'])
})

workspaces('-w by folder adds to that workspace only, and its tree is judged', async ({ harness }) => {
  const box = await sandbox(harness, { ...project, 'packages/b/package.json': { name: 'b', version: '1.0.0' } })
  const result = await box.safeNpmJson(['install', '-w', 'packages/a', 'tiny-dep'])
  assertExit(result, 0, explain(result))
  const a = await readJson(join(box.dir, 'packages/a/package.json'))
  const b = await readJson(join(box.dir, 'packages/b/package.json'))
  assert.ok(a.dependencies['tiny-dep'], 'saved to workspace a')
  assert.is(b.dependencies, undefined)
  const installed = await installedPackages(box.dir)
  assert.ok(installed.has('node_modules/tiny-dep'), [...installed.keys()].join(', '))
  assert.ok(installed.has('node_modules/left-pad'))
})

workspaces.run()
