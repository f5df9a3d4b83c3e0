// safe-npm policy import through the real binary: the policy on stdout, where
// each setting came from and what was not imported on stderr, --write merged
// into the project's YAML policy with its comments, and bad input.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { assertExit, sandbox, startHarness, type Harness } from './support.js'

const imports = suite<{ harness: Harness }>('e2e: policy import')

imports.before(async (context) => {
  context.harness = await startHarness([])
})
imports.after(async (context) => {
  await context.harness.close()
})

const files = {
  'package.json': { name: 'app', version: '1.0.0', private: true, pnpm: { onlyBuiltDependencies: ['sharp'] } },
  '.npmrc': 'min-release-age=2\nallow-git=none\n',
  'pnpm-workspace.yaml': "packages: []\nminimumReleaseAge: 4320\nminimumReleaseAgeExclude:\n  - '@acme/*'\nallowBuilds:\n  esbuild: true\ntrustPolicy: no-downgrade\ndangerouslyAllowAllBuilds: true\n",
  '.yarnrc.yml': 'npmMinimalAgeGate: 1d\nenableScripts: true\n',
}

imports('prints the policy (stdout) and the mapping (stderr); writes nothing without --write', async ({ harness }) => {
  const box = await sandbox(harness, files)
  const result = await box.safeNpm(['policy', 'import'])
  assertExit(result, 0)
  assert.equal(JSON.parse(result.stdout), {
    rules: { 'trust-downgrade': 'block' },
    minimumReleaseAge: { age: '3d', exclude: ['@acme/*'] },
    scripts: { allow: { sharp: true, esbuild: true } },
    sources: { git: 'none' },
  })
  assert.match(result.stderr, /safe-npm: pnpm-workspace\.yaml minimumReleaseAge: 4320 → minimumReleaseAge\.age 3d\n/)
  assert.match(result.stderr, /safe-npm: not imported: pnpm-workspace\.yaml dangerouslyAllowAllBuilds: true: safe-npm has no switch that allows every build/)
  assert.match(result.stderr, /safe-npm: not imported: \.yarnrc\.yml enableScripts: true/)
  assert.match(result.stderr, /nothing was written/)
  assert.is(await readFile(join(box.dir, '.safe-npmrc.json'), 'utf8').catch(() => null), null)

  const yarnOnly = await box.safeNpmJson(['policy', 'import', '--from', 'yarn'])
  assertExit(yarnOnly, 0)
  assert.equal(yarnOnly.report.policy, { minimumReleaseAge: { age: '1d' } })
  assert.equal(yarnOnly.report.read, ['.yarnrc.yml'])
})

imports('--write merges into the YAML policy, comments kept, its own values kept; the result loads', async ({ harness }) => {
  const policy = '# ours\nminimumReleaseAge:\n  age: 10d # longer on purpose\n'
  const box = await sandbox(harness, { ...files, '.safe-npmrc.yaml': policy })
  const result = await box.safeNpm(['policy', 'import', '--from', 'pnpm', '--write'])
  assertExit(result, 0)
  assert.match(result.stderr, /kept minimumReleaseAge\.age "10d" as \.safe-npmrc\.yaml sets it \(the import says "3d"\)/)
  const written = await readFile(join(box.dir, '.safe-npmrc.yaml'), 'utf8')
  assert.ok(written.startsWith('# ours\nminimumReleaseAge:\n  age: 10d # longer on purpose\n  exclude:\n    - "@acme/*"\n'), written)
  const shown = await box.safeNpmJson(['policy'])
  assertExit(shown, 0, 'the merged policy loads')
  assert.equal(shown.report.policy.scripts.allow, { sharp: true, esbuild: true })
  assert.is(shown.report.policy.rules['trust-downgrade'], 'block')
  const again = await box.safeNpm(['policy', 'import', '--from', 'pnpm', '--write'])
  assert.match(again.stderr, /already has all of it; nothing written/)
})

imports('bad input: an unknown source or option is exit 2 with the nearest one', async ({ harness }) => {
  const box = await sandbox(harness, files)
  const source = await box.safeNpm(['policy', 'import', '--from', 'pnmp'])
  assertExit(source, 2)
  assert.match(source.stderr, /--from takes npm, pnpm, yarn, lavamoat \(got "pnmp": did you mean pnpm\?\)/)
  const option = await box.safeNpm(['policy', 'import', '--wirte'])
  assertExit(option, 2)
  assert.match(option.stderr, /policy import: unknown option --wirte: did you mean --write\?/)
})

imports.run()
