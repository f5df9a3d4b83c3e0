// The programmatic API, imported as a user imports it: `import('safe-npm')`
// resolves through package.json `exports` (self-reference) to the built
// dist/lib/api/index.js (npm test builds first). Each function is used against
// the fixture registry; none prints, writes to the project or exits.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { diffSnapshots, snapshot } from '../helpers/workspace.js'
import { assertExit, sandbox, startHarness, type Harness, type Sandbox } from '../e2e/support.js'

const api = suite<{ harness: Harness; box: Sandbox; lib: typeof import('safe-npm') }>('api: safe-npm as a library')

api.before(async (context) => {
  context.lib = await import('safe-npm')
  context.harness = await startHarness(['with-dep', 'tiny-dep', 'fresh-only', 'left-pad', 'jqeury', 'evil-parent', 'evil-pkg'])
  context.box = await sandbox(context.harness, {
    'package.json': { name: 'app', version: '1.0.0', private: true, dependencies: { 'with-dep': '^1.0.0', 'fresh-only': '^1.0.0' } },
    '.safe-npmrc.json': { packages: { deny: ['evil-pkg'] } },
  })
  // A lockfile as npm writes it (npm itself has no age limit here).
  assertExit(await context.box.npm(['install', '--package-lock-only', '--ignore-scripts']), 0, 'npm install --package-lock-only')
})
api.after(async ({ harness }) => {
  await harness.close()
})

/** Runs `work` and fails when it wrote anything to stdout or stderr. */
async function silently<T>(work: () => Promise<T>): Promise<T> {
  const writes: string[] = []
  const original = { out: process.stdout.write, err: process.stderr.write }
  const capture = (chunk: unknown) => {
    writes.push(String(chunk))
    return true
  }
  process.stdout.write = capture as typeof process.stdout.write
  process.stderr.write = capture as typeof process.stderr.write
  try {
    return await work()
  } finally {
    process.stdout.write = original.out
    process.stderr.write = original.err
    assert.equal(writes, [], 'the API printed nothing')
  }
}

const isPlainData = (value: unknown) => assert.equal(JSON.parse(JSON.stringify(value)), value, 'plain, JSON-serialisable data')

api('judgeProject: the tree install would produce, as data; nothing written to the project', async ({ lib, box }) => {
  const before = await snapshot(box.dir)
  const judged = await silently(() => lib.judgeProject(box.dir, { env: box.env }))
  isPlainData(judged)
  assert.is(judged.result, 'blocked')
  assert.ok(judged.isBlocked)
  assert.equal(judged.policyFiles.map((file) => file.split('/').pop()), ['.safe-npmrc.json'])
  assert.equal(judged.packages.map((pkg) => `${pkg.name}@${pkg.version}`).sort(), ['fresh-only@1.0.0', 'tiny-dep@1.2.0', 'with-dep@1.0.0'])
  const young = judged.findings.find((finding) => finding.code === 'minimum-release-age/too-young')
  assert.ok(young, `a too-young finding, got ${judged.findings.map((finding) => finding.code)}`)
  assert.is(young!.package.name, 'fresh-only')
  assert.equal(young!.path, ['app', 'fresh-only'])
  assert.is(young!.severity, 'block')
  assert.equal(judged.packages.find((pkg) => pkg.name === 'tiny-dep')!.path, ['app', 'with-dep', 'tiny-dep'])
  assert.equal(diffSnapshots(before, await snapshot(box.dir)), { added: [], removed: [], changed: [] })
})

api('judgeLockfile: package-lock.json as it is; a folder without one is a typed error, not an exit', async ({ lib, box, harness }) => {
  const judged = await silently(() => lib.judgeLockfile(box.dir, { env: box.env }))
  isPlainData(judged)
  assert.ok(judged.findings.some((finding) => finding.code === 'minimum-release-age/too-young' && finding.package.name === 'fresh-only'))
  assert.ok(judged.packages.every((pkg) => pkg.integrity?.startsWith('sha512-')), 'locked integrities')
  const empty = await harness.tempDir()
  const error = await lib.judgeLockfile(empty, { env: box.env }).then(() => null, (caught: unknown) => caught)
  assert.ok(error instanceof lib.SafeNpmError, `a SafeNpmError, got ${error}`)
  assert.is((error as InstanceType<typeof lib.SafeNpmError>).code, 'ENOLOCK')
  assert.is((error as InstanceType<typeof lib.SafeNpmError>).exitCode, 2)
})

api('judgeSpecs: what specs would add to an empty project, with every signal, passed ones included', async ({ lib, box }) => {
  const squat = await silently(() => lib.judgeSpecs(['jqeury@3.4.1'], { dir: box.dir, env: box.env }))
  isPlainData(squat)
  assert.is(squat.result, 'blocked')
  assert.equal(squat.specs, ['jqeury@3.4.1'])
  const [jqeury] = squat.signals
  assert.is(jqeury.name, 'jqeury')
  assert.ok(jqeury.isRequested)
  assert.equal(jqeury.path, ['jqeury'])
  const signal = (rule: string) => jqeury.signals.find((entry) => entry.rule === rule)!
  assert.is(signal('typosquatting').status, 'block')
  assert.equal(signal('typosquatting').findings.map((finding) => finding.code), ['typosquatting/imitates'])
  assert.is(signal('minimum-release-age').status, 'pass')
  assert.is(signal('minimum-release-age').facts.limit, '3d')
  assert.match(String(signal('minimum-release-age').facts.age), /^(39|40)d/)
  assert.is(signal('publisher-change').facts.publisher, 'jquery-dev-team')
  // The project's policy applies: its deny list is what the packages rule looked at.
  assert.is(signal('packages').facts.denyList, 1)
  // A blocked tree downloads no tarball: manifest confusion is not checked, and says so.
  assert.is(signal('manifest-confusion').status, 'not-checked')
  // One signal per rule, whatever the verdict.
  assert.is(jqeury.signals.length, new Set(jqeury.signals.map((entry) => entry.rule)).size)

  const bringsDenied = await silently(() => lib.judgeSpecs(['evil-parent'], { dir: box.dir, env: box.env }))
  assert.equal(bringsDenied.signals.map((pkg) => [pkg.name, pkg.isRequested]), [['evil-parent', true], ['evil-pkg', false]])
  assert.is(bringsDenied.signals[1].signals.find((entry) => entry.rule === 'packages')!.status, 'block')
  assert.equal(bringsDenied.signals[1].path, ['evil-parent', 'evil-pkg'])

  const clean = await silently(() => lib.judgeSpecs(['left-pad@1.3.0'], { dir: box.dir, env: box.env }))
  assert.is(clean.result, 'clean')
  const statuses = new Set(clean.signals[0].signals.map((entry) => entry.status))
  assert.ok([...statuses].every((status) => status === 'pass' || status === 'off'), [...statuses].join())
  assert.is(clean.signals[0].signals.find((entry) => entry.rule === 'manifest-confusion')!.facts.tarball, 'read: its package.json was compared')
  const error = await lib.judgeSpecs([], { dir: box.dir, env: box.env }).then(() => null, (caught: unknown) => caught)
  assert.ok(error instanceof lib.SafeNpmError && error.code === 'EUSAGE', String(error))
})

api('screenNames: offline typosquat screening, with the nearest popular names and an allow list', ({ lib }) => {
  const [jqeury, lodash, genuine] = lib.screenNames(['jqeury', 'lodash', 'my-own-thing-xyz'])
  const [allowed] = lib.screenNames(['jqeury'], { allow: ['jqeury'] })
  isPlainData([jqeury, lodash, genuine, allowed])
  assert.equal(jqeury.imitates, { name: 'jquery', technique: 'swapped-characters' })
  assert.ok(jqeury.nearest.includes('jquery'), jqeury.nearest.join())
  assert.is(lodash.isPopular, true)
  assert.is(lodash.imitates, null)
  assert.is(genuine.imitates, null)
  assert.is(allowed.imitates, null)
  assert.ok(allowed.nearest.includes('jquery'), 'allowed or not, the nearest names are shown')
})

api.run()
