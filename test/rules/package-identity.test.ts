// Table tests for package-identity: a registry package as package-view.ts
// builds it (name/version of the tarball, the claims beside them) → the codes.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { judge, prepareRules } from '../../lib/engine/judge.ts'
import type { PackageView, RuleContext, SourceKind } from '../../lib/model/rule.js'
import { parseRegistryTarball } from '../../lib/model/registry-url.ts'
import type { PolicyDocument } from '../../lib/policy/schema.ts'
import { RULES } from '../../lib/rules/index.ts'
import { packageIdentityRule } from '../../lib/rules/package-identity.ts'
import { ruleContext } from '../helpers/rule-context.ts'

// What the rules judge with (the typosquat index), loaded as the engine loads it.
await prepareRules(RULES)

const REGISTRY = 'https://registry.npmjs.org/'

interface Entry {
  /** Where it is installed, below node_modules/. */
  folder: string
  /** The lockfile's (or manifest's) name and version. */
  name: string
  version: string
  resolved: string | null
  /** What the edges in ask for (alias targets); default: the folder. */
  requested?: string[]
  source?: SourceKind
  isFromLockfile?: boolean
  /** The lockfile's (or manifest's) integrity; default 'sha512-x'. */
  integrity?: string | null
}

const tgz = (name: string, version: string, base = REGISTRY) => `${base}${name}/-/${name.split('/').pop()}-${version}.tgz`

/** The view package-view.ts builds: named by the tarball when its URL can be read. */
function view(entry: Entry): PackageView {
  const source = entry.source ?? 'registry'
  const tarball = source === 'registry' && entry.resolved ? parseRegistryTarball(entry.resolved) : null
  return {
    name: tarball?.name ?? entry.name,
    version: tarball?.version ?? entry.version,
    location: `node_modules/${entry.folder}`,
    resolved: entry.resolved,
    integrity: entry.integrity === undefined ? 'sha512-x' : entry.integrity,
    source,
    isDirect: true,
    path: ['app', entry.folder],
    spec: '^1.0.0',
    isFromLockfile: entry.isFromLockfile ?? true,
    isDev: false,
    isOptional: false,
    scripts: {},
    hasInstallScript: false,
    hasBindingGyp: false,
    requestedRanges: [],
    projectRange: '^1.0.0',
    deprecated: null,
    folderName: entry.folder,
    claimedName: entry.name,
    claimedVersion: entry.version,
    requestedNames: entry.requested ?? [entry.folder],
  }
}

const ARTIFACTORY = 'https://artifactory.example/artifactory/api/npm/npm-remote/'

const CASES: Array<[string, Entry, string[]]> = [
  ['a matching entry', { folder: 'left-pad', name: 'left-pad', version: '1.3.0', resolved: tgz('left-pad', '1.3.0') }, []],
  ['a matching fresh resolution', { folder: 'left-pad', name: 'left-pad', version: '1.3.0', resolved: tgz('left-pad', '1.3.0'), isFromLockfile: false }, []],
  ['an npm alias', { folder: 'my-alias', name: 'real-pkg', version: '1.2.0', resolved: tgz('real-pkg', '1.2.0'), requested: ['real-pkg'] }, []],
  ['a prerelease version with dashes', { folder: 'a-b', name: 'a-b', version: '1.0.0-beta-2', resolved: tgz('a-b', '1.0.0-beta-2') }, []],
  ['a scoped name, path /@scope/name', { folder: '@acme/ui', name: '@acme/ui', version: '1.0.0', resolved: `${REGISTRY}@acme/ui/-/ui-1.0.0.tgz` }, []],
  ['a scoped name, path /@scope%2fname', { folder: '@acme/ui', name: '@acme/ui', version: '1.0.0', resolved: `${REGISTRY}@acme%2fui/-/ui-1.0.0.tgz` }, []],
  ['a registry under a path (Artifactory)', { folder: 'left-pad', name: 'left-pad', version: '1.3.0', resolved: tgz('left-pad', '1.3.0', ARTIFACTORY) }, []],
  ['a scoped file name (Artifactory)', { folder: '@acme/ui', name: '@acme/ui', version: '1.0.0', resolved: `${ARTIFACTORY}@acme/ui/-/@acme/ui-1.0.0.tgz` }, []],
  ['no resolved URL, names agree', { folder: 'left-pad', name: 'left-pad', version: '1.3.0', resolved: null }, []],
  // the reproduction of issue 7: the claim is another package, the bytes are fresh-pkg's
  ['lockfile name is not the tarball\'s', { folder: 'fresh-pkg', name: 'left-pad-lite', version: '1.0.0', resolved: tgz('fresh-pkg', '1.0.1') }, ['name-mismatch', 'version-mismatch']],
  ['folder is not the name (tarball and claim agree)', { folder: 'fresh-pkg', name: 'left-pad-lite', version: '1.0.0', resolved: tgz('left-pad-lite', '1.0.0') }, ['name-mismatch']],
  ['folder is not the name, no resolved URL', { folder: 'fresh-pkg', name: 'left-pad-lite', version: '1.0.0', resolved: null }, ['name-mismatch']],
  ['version is not the tarball\'s', { folder: 'fresh-pkg', name: 'fresh-pkg', version: '1.0.0', resolved: tgz('fresh-pkg', '1.0.1') }, ['version-mismatch']],
  ['an alias whose entry is another package', { folder: 'my-alias', name: 'evil-pkg', version: '1.2.0', resolved: tgz('evil-pkg', '1.2.0'), requested: ['real-pkg'] }, ['name-mismatch']],
  ['an alias entry without its name', { folder: 'my-alias', name: 'my-alias', version: '1.2.0', resolved: tgz('real-pkg', '1.2.0'), requested: ['real-pkg'] }, ['name-mismatch']],
  ['one dependent asks for the alias target, another for the folder name', { folder: 'shared', name: 'real-pkg', version: '1.0.0', resolved: tgz('real-pkg', '1.0.0'), requested: ['real-pkg', 'shared'] }, ['name-mismatch']],
  ['a registry manifest that names another package', { folder: 'foo', name: 'bar', version: '1.0.0', resolved: tgz('foo', '1.0.0'), isFromLockfile: false }, ['name-mismatch']],
  ['a scoped entry resolved at another scope', { folder: '@acme/ui', name: '@acme/ui', version: '1.0.0', resolved: `${REGISTRY}@evil%2fui/-/ui-1.0.0.tgz` }, ['name-mismatch']],
  ['a tarball file of another package', { folder: 'fresh-pkg', name: 'fresh-pkg', version: '1.0.0', resolved: `${REGISTRY}fresh-pkg/-/left-pad-lite-1.0.0.tgz` }, ['tarball-mismatch']],
  // sources that are not registry tarballs name themselves by their spec
  ['a git dependency', { folder: 'b', name: 'other', version: '1.0.0', resolved: 'git+ssh://git@github.com/a/b.git#abc', source: 'git' }, []],
  ['a file: tarball', { folder: 'b', name: 'other', version: '1.0.0', resolved: 'file:../b-1.0.0.tgz', source: 'file' }, []],
  ['a directory link', { folder: 'b', name: 'other', version: '1.0.0', resolved: 'file:../b', source: 'directory' }, []],
  ['a bundled dependency', { folder: 'b', name: 'other', version: '1.0.0', resolved: null, source: 'bundled' }, []],
  ['a registry URL without the tarball shape (GitHub Packages) is judged by its claims', { folder: '@acme/ui', name: '@acme/ui', version: '1.0.0', resolved: 'https://npm.pkg.github.com/download/@acme/ui/1.0.0/0123abcd' }, []],
]

for (const [title, entry, expected] of CASES) {
  test(`package-identity: ${title}`, () => {
    const found = packageIdentityRule.check(view(entry), { status: 'not-applicable' }, {} as RuleContext).map((finding) => finding.messageId)
    assert.equal(found, expected)
  })
}

// The registry's published integrity (VersionFacts.integrity) against the entry's.
const SHA512_A = 'sha512-Qli5dSpAXQOSw1y/M+uBKT37rj6iZAQMz6Uy5/ZYGIhBLS/ODRHqL4XIDvSAtYpjfia0XKNztlPFa806TWw5Gw=='
const SHA512_B = 'sha512-5KfXESjCAfFQel2TLqhr18NEz++UiWVIA0jwHzs2Kbvb3e+r+G/eVhRfoZbaPCL0PnERvK5YeMgh02O4eenufw=='
const SHA1_A = 'sha1-BNmbSh6vnl95wF5ddF1T7dGqiqE='
const SHA1_B = 'sha1-OOGXUoW/H3upyE2hArsSdxMirEg='
const LEFT_PAD: Entry = { folder: 'left-pad', name: 'left-pad', version: '1.3.0', resolved: tgz('left-pad', '1.3.0') }

const INTEGRITY_CASES: Array<[string, string | null, string | null | undefined, string[]]> = [
  // [title, the entry's integrity, the registry's, codes]
  ['the registry\'s sha512', SHA512_A, SHA512_A, []],
  ['the sha512 of other bytes', SHA512_B, SHA512_A, ['integrity-mismatch']],
  ['the sha512 of other bytes, from a fresh resolution', SHA512_B, SHA512_A, ['integrity-mismatch']],
  ['no integrity in the entry (npm fetches and verifies)', null, SHA512_A, []],
  ['an empty integrity in the entry', '', SHA512_A, []],
  ['the registry publishes no integrity for the version', SHA512_B, null, []],
  ['facts without an integrity (not from a packument)', SHA512_B, undefined, []],
  ['the registry only has the sha1 shasum, the entry matches it', SHA1_A, SHA1_A, []],
  ['the registry only has the sha1 shasum, the entry is other bytes', SHA1_B, SHA1_A, ['integrity-mismatch']],
  // as pacote: an algorithm the registry did not publish cannot be compared
  ['a sha512 kept where the registry only has the sha1 of an old publish', SHA512_B, SHA1_A, []],
  ['an old sha1-only entry where the registry has a sha512', SHA1_B, SHA512_A, []],
  ['the right sha1 beside the sha512 of other bytes', `${SHA1_A} ${SHA512_B}`, `${SHA512_A} ${SHA1_A}`, ['integrity-mismatch']],
  ['the right sha512 beside the sha512 of other bytes (cacache tries both)', `${SHA512_A} ${SHA512_B}`, SHA512_A, ['integrity-mismatch']],
  ['both algorithms right, in another order and with options', `${SHA1_A} ${SHA512_A}?foo`, `${SHA512_A} ${SHA1_A}`, []],
  ['surrounding whitespace', `  ${SHA512_A}\n`, SHA512_A, []],
]

for (const [title, integrity, published, expected] of INTEGRITY_CASES) {
  test(`package-identity integrity: ${title}`, () => {
    const pkg = view({ ...LEFT_PAD, integrity, isFromLockfile: !title.includes('fresh') })
    const facts = { ...OLD, version: { ...OLD.version, version: '1.3.0', ...(published === undefined ? {} : { integrity: published }) } }
    const found = packageIdentityRule.check(pkg, facts, {} as RuleContext).map((finding) => finding.messageId)
    assert.equal(found, expected)
  })
}

test('package-identity integrity: unverifiable facts compare nothing', () => {
  const found = packageIdentityRule.check(view({ ...LEFT_PAD, integrity: SHA512_B }), { status: 'unverifiable', reason: 'x' }, {} as RuleContext)
  assert.equal(found, [])
})

test('package-identity integrity: the finding names the package, the entry\'s value and the registry\'s', () => {
  const facts = { ...OLD, version: { ...OLD.version, version: '1.3.0', integrity: SHA512_A } }
  const [finding] = packageIdentityRule.check(view({ ...LEFT_PAD, integrity: SHA512_B }), facts, {} as RuleContext)
  assert.is(finding.args.package, 'left-pad@1.3.0')
  assert.is(finding.args.integrity, SHA512_B)
  assert.is(finding.args.registryIntegrity, SHA512_A)
  assert.is(finding.args.claimedBy, 'package-lock.json')
})

test('package-identity: every message names the folder, the claim and the resolved URL', () => {
  const findings = packageIdentityRule.check(view(CASES[9][1]), { status: 'not-applicable' }, {} as RuleContext)
  for (const finding of findings) {
    assert.ok(packageIdentityRule.meta.messages[finding.messageId])
    assert.is(finding.args.folder, 'fresh-pkg')
    assert.is(finding.args.name, 'left-pad-lite')
    assert.is(finding.args.version, '1.0.0')
    assert.is(finding.args.resolved, tgz('fresh-pkg', '1.0.1'))
    assert.is(finding.args.tarballName, 'fresh-pkg')
  }
})

function contextFor(policy: PolicyDocument): RuleContext {
  return ruleContext({ document: policy, registry: REGISTRY, now: new Date('2026-11-27T12:00:00Z') })
}

const OLD = {
  status: 'known' as const,
  version: { version: '1.0.1', publishedAt: new Date('2020-01-01T00:00:00Z'), publisher: 'alice', scripts: {}, hasProvenance: false, hasTrustedPublisher: false, deprecated: null },
  versions: [],
  distTags: {},
}

function judged(entry: Entry, policy: PolicyDocument = {}): string[] {
  const pkg = view(entry)
  const facts = { ...OLD, version: { ...OLD.version, version: pkg.version } }
  return judge([pkg], new Map([[pkg.location, facts]]), RULES, contextFor(policy)).findings.map((finding) => `${finding.severity}:${finding.code}`)
}

test('package-identity blocks by default and the name rules judge the tarball, not the claim', () => {
  const codes = judged(CASES[9][1], { packages: { deny: ['fresh-pkg'] } })
  assert.ok(codes.includes('block:package-identity/name-mismatch'), codes.join(', '))
  assert.ok(codes.includes('block:package-identity/version-mismatch'), codes.join(', '))
  assert.ok(codes.includes('block:packages/denied'), codes.join(', '))
})

test('an alias is judged as its target: a denied target is blocked, an allowed one is clean', () => {
  const alias: Entry = { folder: 'my-alias', name: 'real-pkg', version: '1.2.0', resolved: tgz('real-pkg', '1.2.0'), requested: ['real-pkg'] }
  assert.equal(judged(alias, { packages: { deny: ['real-pkg'] } }), ['block:packages/denied'])
  assert.equal(judged(alias, { packages: { deny: ['my-alias'] } }), [])
})

test('package-identity/integrity-mismatch blocks by default', () => {
  const pkg = view({ ...LEFT_PAD, integrity: SHA512_B })
  const facts = { ...OLD, version: { ...OLD.version, version: '1.3.0', integrity: SHA512_A } }
  const codes = judge([pkg], new Map([[pkg.location, facts]]), RULES, contextFor({})).findings.map((finding) => `${finding.severity}:${finding.code}`)
  assert.equal(codes, ['block:package-identity/integrity-mismatch'])
})

test('package-identity needs the registry facts', () => {
  assert.equal(packageIdentityRule.meta.needs?.({} as never), { facts: true })
})

test('package-identity off: no identity findings', () => {
  assert.equal(judged(CASES[10][1], { rules: { 'package-identity': 'off' } }), [])
})

test('parseRegistryTarball reads name, file and version', () => {
  assert.equal(parseRegistryTarball('https://r.example/left-pad/-/left-pad-1.3.0.tgz'), { name: 'left-pad', file: 'left-pad-1.3.0.tgz', version: '1.3.0' })
  assert.equal(parseRegistryTarball('https://r.example/@s/n/-/n-1.0.0-rc.1.tgz?x=1'), { name: '@s/n', file: 'n-1.0.0-rc.1.tgz', version: '1.0.0-rc.1' })
  assert.equal(parseRegistryTarball('https://r.example/@s%2Fn/-/n-1.0.0.tgz'), { name: '@s/n', file: 'n-1.0.0.tgz', version: '1.0.0' })
  assert.equal(parseRegistryTarball('https://r.example/npm/@s/n/-/@s/n-1.0.0.tgz'), { name: '@s/n', file: '@s/n-1.0.0.tgz', version: '1.0.0' })
  assert.equal(parseRegistryTarball('https://r.example/fresh%2Dpkg/-/fresh-pkg-1.0.1.tgz')?.name, 'fresh-pkg')
  assert.equal(parseRegistryTarball('https://r.example/a/-/b-1.0.0.tgz'), { name: 'a', file: 'b-1.0.0.tgz', version: null })
  assert.equal(parseRegistryTarball('https://r.example/a/-/a-.tgz')?.version, null)
  assert.is(parseRegistryTarball('https://r.example/a/-/a-1.0.0.zip'), null)
  assert.is(parseRegistryTarball('https://r.example/download/@s/n/1.0.0/abc'), null)
  assert.is(parseRegistryTarball('git+ssh://git@github.com/a/b.git'), null)
  assert.is(parseRegistryTarball('not a url'), null)
  assert.is(parseRegistryTarball('https://r.example/-/a-1.0.0.tgz'), null)
  assert.is(parseRegistryTarball('https://r.example/%E0%A4%A/-/x-1.0.0.tgz'), null)
})

test.run()
