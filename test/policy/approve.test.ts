// Approvals written into policy files: the file's format, order and comments
// kept, one entry per package and rule, the edit validated and undone when the
// organisation floor refuses it; the checks on the command's input.
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { checkApprovalPackage, closestRuleId, recordApproval, resolveExpiry } from '../../lib/policy/approve.ts'
import { loadPolicy } from '../../lib/policy/load.ts'
import { makeProject, removeDirs } from '../helpers/workspace.js'

const edits = suite<{ dirs: string[] }>('policy: approvals written in place')
edits.before((context) => {
  context.dirs = []
})
edits.after(async (context) => {
  await removeDirs(...context.dirs)
})

async function project(context: { dirs: string[] }, files: Record<string, string | object>): Promise<string> {
  const dir = await makeProject({ 'package.json': { name: 'app', version: '1.0.0' }, ...files })
  context.dirs.push(dir)
  return dir
}

const EXCEPTION = { package: 'left-pad@1.3.0', rule: 'minimum-release-age', reason: 'hotfix reviewed' }

edits('JSON: key order, four-space indentation and the missing final newline are kept; the exception is appended', async (context) => {
  const original = '{\n    "rules": {\n        "deprecated": "off"\n    },\n    "exceptions": [\n        { "package": "a", "rule": "packages", "reason": "old" }\n    ],\n    "minimumReleaseAge": { "age": "5d" }\n}'
  const dir = await project(context, { '.safe-npmrc.json': original })
  const result = await recordApproval({ ...EXCEPTION, expires: '2030-01-31' }, { cwd: dir })
  assert.equal([result.kind, result.action, result.file, result.created], ['exception', 'added', '.safe-npmrc.json', false])
  const text = await readFile(join(dir, '.safe-npmrc.json'), 'utf8')
  assert.is(text, JSON.stringify({ ...JSON.parse(original), exceptions: [JSON.parse(original).exceptions[0], { ...EXCEPTION, expires: '2030-01-31' }] }, null, 4))
  assert.equal(Object.keys(JSON.parse(text)), ['rules', 'exceptions', 'minimumReleaseAge'])
  assert.is((await loadPolicy({ cwd: dir })).policy.exceptions.length, 2)
})

edits('the same package and rule again: updated in place (no second entry); identical: unchanged, file untouched', async (context) => {
  const dir = await project(context, { '.safe-npmrc.json': { exceptions: [EXCEPTION] } })
  assert.is((await recordApproval({ ...EXCEPTION }, { cwd: dir })).action, 'unchanged')
  const updated = await recordApproval({ ...EXCEPTION, reason: 'second look', expires: '2030-01-01' }, { cwd: dir })
  assert.is(updated.action, 'updated')
  assert.equal(JSON.parse(await readFile(join(dir, '.safe-npmrc.json'), 'utf8')).exceptions, [{ ...EXCEPTION, reason: 'second look', expires: '2030-01-01' }])
})

edits('YAML: comments, order and quoting stay; a date is quoted so js-yaml reads a string; a script allowance carries the reason as a comment', async (context) => {
  const original = "# team policy\nrules:\n  deprecated: 'off' # noisy\nscripts:\n  allow:\n    sharp: true # native\n"
  const dir = await project(context, { '.safe-npmrc.yaml': original })
  await recordApproval({ ...EXCEPTION, expires: '2030-01-31' }, { cwd: dir })
  const scripts = await recordApproval({ package: 'esbuild@0.25.0', rule: 'install-scripts', reason: 'downloads its binary' }, { cwd: dir })
  assert.equal([scripts.kind, scripts.action, scripts.notes], ['script-allowance', 'added', []])
  const text = await readFile(join(dir, '.safe-npmrc.yaml'), 'utf8')
  assert.is(
    text,
    "# team policy\nrules:\n  deprecated: 'off' # noisy\nscripts:\n  allow:\n    sharp: true # native\n    # approved: downloads its binary\n    esbuild@0.25.0: true\n" +
      'exceptions:\n  - package: left-pad@1.3.0\n    rule: minimum-release-age\n    reason: hotfix reviewed\n    expires: "2030-01-31"\n',
  )
  const loaded = await loadPolicy({ cwd: dir })
  assert.equal(loaded.policy.exceptions.map((entry) => entry.expires), ['2030-01-31'])
  assert.is(loaded.policy.scripts.allow['esbuild@0.25.0'], true)
})

edits('package.json "safe-npm": only that field changes; a JSON script allowance says where the reason is not kept', async (context) => {
  const manifest = { name: 'app', version: '1.0.0', 'safe-npm': { rules: { deprecated: 'off' } }, dependencies: { a: '^1.0.0' } }
  const dir = await project(context, { 'package.json': manifest })
  const result = await recordApproval({ package: 'esbuild', rule: 'install-scripts', reason: 'r' }, { cwd: dir })
  assert.is(result.file, 'package.json')
  assert.match(result.notes.join(' '), /no room for a reason in JSON/)
  const after = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'))
  assert.equal(after, { ...manifest, 'safe-npm': { rules: { deprecated: 'off' }, scripts: { allow: { esbuild: true } } } })
})

edits('no policy file: a new .safe-npmrc.json with only the exception', async (context) => {
  const dir = await project(context, {})
  const result = await recordApproval({ ...EXCEPTION }, { cwd: dir })
  assert.equal([result.created, result.file], [true, '.safe-npmrc.json'])
  assert.is(await readFile(join(dir, '.safe-npmrc.json'), 'utf8'), `${JSON.stringify({ exceptions: [EXCEPTION] }, null, 2)}\n`)
})

edits('a code config is never edited (nor run); a file that is not a policy object is not either', async (context) => {
  const dir = await project(context, { 'safe-npm.config.js': "throw new Error('ran')\n" })
  try {
    await recordApproval({ ...EXCEPTION }, { cwd: dir })
    assert.unreachable('a code config was edited')
  } catch (error: any) {
    assert.is(error.code, 'EPOLICYEDIT')
    assert.match(error.message, /^safe-npm\.config\.js: a policy written as code cannot be edited/)
  }
  const listed = await project(context, { '.safe-npmrc.json': { exceptions: 'nope' } })
  try {
    await recordApproval({ ...EXCEPTION }, { cwd: listed })
    assert.unreachable('a non-list exceptions was appended to')
  } catch (error: any) {
    assert.is(error.code, 'EPOLICYEDIT')
  }
})

edits('the organisation refuses a script (false): the approval is undone, the file byte for byte as it was', async (context) => {
  const original = '{ "rules": { "deprecated": "off" } }\n'
  const dir = await project(context, { '.safe-npmrc.json': original, 'org.json': { scripts: { allow: { esbuild: false } } } })
  try {
    await recordApproval({ package: 'esbuild', rule: 'install-scripts', reason: 'r' }, { cwd: dir, orgPolicyFile: join(dir, 'org.json') })
    assert.unreachable('the floor let a refused script through')
  } catch (error: any) {
    assert.is(error.code, 'EPOLICYLOOSENS')
    assert.match(error.message, /the change to \.safe-npmrc\.json was not kept/)
  }
  assert.is(await readFile(join(dir, '.safe-npmrc.json'), 'utf8'), original)
  // A created file is removed again.
  const fresh = await project(context, { 'org.json': { scripts: { allow: { esbuild: false } } } })
  await writeFile(join(fresh, 'package.json'), '{"name":"app","version":"1.0.0"}')
  await recordApproval({ package: 'esbuild', rule: 'install-scripts', reason: 'r' }, { cwd: fresh, orgPolicyFile: join(fresh, 'org.json') }).catch(() => null)
  assert.is(await readFile(join(fresh, '.safe-npmrc.json'), 'utf8').catch(() => null), null)
})

edits.run()

const input = suite('policy: approval input')

input('package specs: a name, a scope glob, a version, a range; not a tag, not a bad name', () => {
  for (const good of ['left-pad', '@acme/*', 'left-pad@1.3.0', 'sharp@^0.33', 'nx@21.6.4 || 21.6.5']) assert.is(checkApprovalPackage(good), null, good)
  assert.match(checkApprovalPackage('left-pad@latest')!, /"latest" is not a semver version or range/)
  assert.match(checkApprovalPackage('left-pad@')!, /ends with @/)
  assert.match(checkApprovalPackage('Left Pad')!, /is not a package name/)
})

input('expiry: a date or a span from now (good through the day it ends); never in the past, never nonsense', () => {
  const now = new Date('2026-12-02T10:00:00Z')
  assert.equal(resolveExpiry('30d', now), { date: '2027-01-01' })
  assert.equal(resolveExpiry('2w', now), { date: '2026-12-16' })
  assert.equal(resolveExpiry('12h', now), { date: '2026-12-02' })
  assert.equal(resolveExpiry('2027-03-01', now), { date: '2027-03-01' })
  assert.match((resolveExpiry('2026-12-01', now) as { error: string }).error, /in the past/)
  assert.match((resolveExpiry('2027-02-30', now) as { error: string }).error, /not a real calendar date/)
  assert.match((resolveExpiry('soon', now) as { error: string }).error, /neither a date/)
  assert.match((resolveExpiry('0d', now) as { error: string }).error, /no time at all/)
  assert.match((resolveExpiry('4000d', now) as { error: string }).error, /more than ten years/)
})

input('rule ids: the nearest known one for a typo, none for something else', () => {
  assert.is(closestRuleId('minimum-release-ag'), 'minimum-release-age')
  assert.is(closestRuleId('install-script'), 'install-scripts')
  assert.is(closestRuleId('typo'), 'typosquatting')
  assert.is(closestRuleId('completely-unrelated-words'), null)
})

input.run()
