// safe-npm init's plan: a preset written only where no policy exists, never
// replacing one; the settings follow the policy that applies.
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { applyInit, planInit } from '../../lib/engine/init.ts'
import { isolatedNpm, removeIsolatedNpms } from '../npm/isolated-config.ts'

test.after(removeIsolatedNpms)

const npmrcChanges = (plan: Awaited<ReturnType<typeof planInit>>) =>
  Object.fromEntries(plan.changes.filter((change) => change.file === '.npmrc').map((change) => [change.setting, change.to]))

test('--preset strict writes the strict policy and its settings: 7 days, no git or URL dependencies', async () => {
  const npm = await isolatedNpm()
  const plan = await planInit({ npmArgs: [], cwd: npm.project, env: npm.env, preset: 'strict' })
  assert.is(plan.writes.policy?.file, '.safe-npmrc.json')
  assert.equal(npmrcChanges(plan), {
    'strict-allow-scripts': 'true',
    'min-release-age': '7',
    'allow-git': 'none',
    'allow-remote': 'none',
    'allow-file': 'root',
    'allow-directory': 'root',
  })
  await applyInit(plan)
  const again = await planInit({ npmArgs: [], cwd: npm.project, env: npm.env, preset: 'strict' })
  assert.equal(again.changes, [], 'the same preset again: nothing to change')
})

test("an existing policy is the one init follows; --preset never replaces it; an unknown preset is a usage error", async () => {
  const npm = await isolatedNpm()
  await writeFile(join(npm.project, '.safe-npmrc.json'), JSON.stringify({ minimumReleaseAge: { age: '10d' }, scripts: { allow: { esbuild: true, '@acme/*': true } } }))
  const plan = await planInit({ npmArgs: [], cwd: npm.project, env: npm.env })
  assert.is(plan.writes.policy, null)
  assert.is(npmrcChanges(plan)['min-release-age'], '10')
  assert.equal(plan.settings.allowScripts, { esbuild: true })
  assert.equal(plan.unexpressed, ['@acme/*'])
  try {
    await planInit({ npmArgs: [], cwd: npm.project, env: npm.env, preset: 'strict' })
    assert.unreachable('a different preset over an existing policy')
  } catch (error: any) {
    assert.is(error.code, 'EPOLICYEXISTS')
  }
  try {
    await planInit({ npmArgs: [], cwd: npm.project, env: npm.env, preset: 'lax' })
    assert.unreachable('an unknown preset')
  } catch (error: any) {
    assert.is(error.code, 'EUSAGE')
  }
})

test.run()
