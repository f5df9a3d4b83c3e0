// The policy → npm settings table init writes and doctor compares, and when
// the hook runs before or after npm's reify.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { runsBeforeReify } from '../../lib/engine/hook.ts'
import { hookScriptFor } from '../../lib/engine/init.ts'
import { isAsStrict, npmNativeSettings } from '../../lib/engine/npm-native-settings.ts'
import { mergeWithFloor } from '../../lib/policy/merge.ts'
import type { PolicyDocument } from '../../lib/policy/schema.ts'

const policyOf = (document: PolicyDocument) => mergeWithFloor([], [{ source: 'test', isOrganisation: false, document }]).policy
const npmrcOf = (document: PolicyDocument) => Object.fromEntries(npmNativeSettings(policyOf(document)).npmrc.map((setting) => [setting.key, setting.value]))

test('the default policy: strict scripts, 3 days, exotic sources only from package.json', () => {
  assert.equal(npmrcOf({}), {
    'strict-allow-scripts': 'true',
    'min-release-age': '3',
    'allow-git': 'root',
    'allow-remote': 'root',
    'allow-file': 'root',
    'allow-directory': 'root',
  })
})

test('days round up; names-only exclusions carry over; an age rule that is off writes no age; sources none/all', () => {
  const npmrc = npmrcOf({ minimumReleaseAge: { age: '36h', exclude: ['@acme/*', 'left-pad@^1'] }, sources: { git: 'none', remote: 'all' } })
  assert.is(npmrc['min-release-age'], '2')
  assert.is(npmrc['min-release-age-exclude'], '@acme/*')
  assert.is(npmrc['allow-git'], 'none')
  assert.is(npmrc['allow-remote'], 'all')
  assert.not.ok('min-release-age' in npmrcOf({ rules: { 'minimum-release-age': 'off' } }))
  assert.is(npmrcOf({ rules: { sources: 'off' } })['allow-git'], 'all')
})

test('script allowances: names and exact versions go to allowScripts, globs and ranges cannot', () => {
  const settings = npmNativeSettings(policyOf({ scripts: { allow: { esbuild: true, 'sharp@0.33.1': true, 'bad@1.0.0 || 1.0.1': false, '@acme/*': true, 'canvas@^2': true } } }))
  assert.equal(settings.allowScripts, { esbuild: true, 'sharp@0.33.1': true, 'bad@1.0.0 || 1.0.1': false })
  assert.equal(settings.unexpressed, ['@acme/*', 'canvas@^2'])
})

test('a value already set is kept only when at least as strict', () => {
  const [strict, age, git] = npmNativeSettings(policyOf({})).npmrc
  assert.ok(isAsStrict(strict, 'true'))
  assert.not.ok(isAsStrict(strict, 'false'))
  assert.ok(isAsStrict(age, '7'))
  assert.not.ok(isAsStrict(age, '1'))
  assert.not.ok(isAsStrict(age, null))
  assert.ok(isAsStrict(git, 'none'))
  assert.ok(isAsStrict(git, 'root'))
  assert.not.ok(isAsStrict(git, 'all'))
})

test('the preinstall: the hook alone, kept when present, chained before a script of the project', () => {
  assert.is(hookScriptFor(undefined).script, 'safe-npm hook')
  assert.is(hookScriptFor('safe-npm hook && node x.js').script, 'safe-npm hook && node x.js')
  assert.is(hookScriptFor('safe-npm check --lockfile').script, 'safe-npm hook')
  assert.is(hookScriptFor('node setup.js').script, 'safe-npm hook && node setup.js')
})

test('npm 12 runs the root preinstall before reify for install and ci; npm 11 after', () => {
  const context = (npmVersion: string | null, command: string) => ({ npmVersion, command, event: 'preinstall', isInsideJudgedInstall: false })
  assert.ok(runsBeforeReify(context('12.2.2', 'install')))
  assert.ok(runsBeforeReify(context('12.0.0', 'ci')))
  assert.not.ok(runsBeforeReify(context('11.19.1', 'install')))
  assert.not.ok(runsBeforeReify(context(null, 'install')))
})

test.run()
