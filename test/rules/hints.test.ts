// Hints that depend on how the run was asked for: a typosquat typed on the
// command line, and an install script when no policy file exists yet.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { judge, prepareRules } from '../../lib/engine/judge.ts'
import type { PackageFacts, PackageView, RuleContext } from '../../lib/model/rule.js'
import { RULES } from '../../lib/rules/index.ts'
import { ruleContext } from '../helpers/rule-context.ts'

// What the rules judge with (the typosquat index), loaded as the engine loads it.
await prepareRules(RULES)

const NOW = new Date('2026-11-27T12:00:00Z')
const REGISTRY = 'https://registry.npmjs.org/'
const OLD: PackageFacts = {
  status: 'known',
  version: { version: '3.4.1', publishedAt: new Date(NOW.getTime() - 400 * 86_400_000), publisher: 'alice', scripts: {}, hasProvenance: false, hasTrustedPublisher: false, deprecated: null },
  versions: [],
  distTags: {},
}

function view(name: string, overrides: Partial<PackageView> = {}): PackageView {
  return {
    name,
    version: '3.4.1',
    location: `node_modules/${name}`,
    resolved: `${REGISTRY}${name}/-/${name}-3.4.1.tgz`,
    integrity: 'sha512-x',
    source: 'registry',
    isDirect: true,
    path: ['app', name],
    spec: '*',
    isFromLockfile: false,
    isDev: false,
    isOptional: false,
    scripts: {},
    hasInstallScript: false,
    hasBindingGyp: false,
    requestedRanges: [],
    projectRange: null,
    deprecated: null,
    ...overrides,
  }
}

function context(extra: Partial<RuleContext> = {}): RuleContext {
  return ruleContext({ registry: REGISTRY, now: NOW }, extra)
}

const hintOf = (pkg: PackageView, code: string, extra: Partial<RuleContext> = {}) =>
  judge([pkg], new Map([[pkg.location, OLD]]), RULES, context(extra)).findings.find((finding) => finding.code === code)?.hint

test('typosquat typed on the command line: "you typed jqeury; did you mean jquery?"', () => {
  for (const spec of ['jqeury', 'jqeury@3', 'jqeury@^3.4.0']) {
    assert.is(
      hintOf(view('jqeury'), 'typosquatting/imitates', { requestedOnCommandLine: [spec] }),
      'You typed jqeury; did you mean jquery? If jqeury is genuine, add it to typosquatting.allow.',
      spec,
    )
  }
})

test('typosquat declared in package.json: fix the name there', () => {
  assert.is(
    hintOf(view('jqeury', { projectRange: '^3.4.0' }), 'typosquatting/imitates', { requestedOnCommandLine: [] }),
    'If you meant jquery, fix the name in package.json. If jqeury is genuine, add it to typosquatting.allow.',
  )
  // Another package typed on the command line does not count.
  assert.match(hintOf(view('jqeury'), 'typosquatting/imitates', { requestedOnCommandLine: ['left-pad'] }) ?? '', /fix the name in package\.json/)
})

test('typosquat deeper in the tree: the package that depends on it', () => {
  const deep = view('jqeury', { isDirect: false, path: ['app', 'some-lib', 'jqeury'], location: 'node_modules/some-lib/node_modules/jqeury' })
  assert.match(hintOf(deep, 'typosquatting/imitates', { requestedOnCommandLine: ['jqeury'] }) ?? '', /fix the name in the package that depends on it \(some-lib\)/)
})

const scripted = view('esbuild', { scripts: { postinstall: 'node install.js' } })

test('install script without a policy file: the file to create and the exact JSON', () => {
  for (const policyFiles of [undefined, [], ['/etc/acme/org-policy.json']]) {
    assert.is(
      hintOf(scripted, 'install-scripts/unreviewed', policyFiles === undefined ? {} : { policyFiles }),
      'Review the script; if it is needed, create .safe-npmrc.json with {"scripts":{"allow":{"esbuild":true}}} (or safe-npm approve esbuild --rule install-scripts --reason "…"), then run safe-npm rebuild esbuild.',
      JSON.stringify(policyFiles),
    )
  }
})

test("install script with the project's policy file: add it there", () => {
  assert.is(
    hintOf(scripted, 'install-scripts/unreviewed', { policyFiles: ['/etc/acme/org-policy.json', '.safe-npmrc.json'] }),
    'Review the script; if it is needed, add "esbuild": true to scripts.allow in .safe-npmrc.json (or safe-npm approve esbuild --rule install-scripts --reason "…"), then run safe-npm rebuild esbuild.',
  )
})

test('inspect\'s facts name what an affix squat imitates first (uuid-utils → uuid), then the near spellings', async () => {
  const { typosquattingRule } = await import('../../lib/rules/typosquatting.ts')
  const explained = (name: string) => typosquattingRule.explain!(view(name), { status: 'known' }, ruleContext()).nearestPopular
  assert.equal(explained('uuid-utils'), ['uuid'])
  assert.equal(explained('crossenv'), ['cross-env'])
  assert.equal(explained('left-pad'), [])
})

test.run()
