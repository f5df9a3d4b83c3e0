// The remembered verdict of an unchanged tree: what its key covers (a changed
// lockfile entry, policy or command is another key), that a changed feed
// answer is seen, and when time makes it stop answering.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { tempDirRemovedAtExit } from '../helpers/workspace.ts'
import type { Judgement } from '../../lib/engine/judge.ts'
import { PackageResults, packageKeys, type PackageResult } from '../../lib/engine/package-results.ts'
import { intelFingerprint, VerdictCache, verdictBase, verdictKey, verdictValidUntil, type StoredVerdict, type VerdictInputs } from '../../lib/engine/verdict-cache.ts'
import type { Advisory, PackageFacts, PackageView } from '../../lib/model/rule.ts'
import { mergeWithFloor } from '../../lib/policy/merge.ts'
import type { PolicyDocument } from '../../lib/policy/schema.ts'
import { RULES } from '../../lib/rules/index.ts'

const NOW = Date.parse('2026-11-27T12:00:00Z')
const DAY = 86_400_000
const policyOf = (document: PolicyDocument) => mergeWithFloor([], [{ source: 'test', isOrganisation: false, document }]).policy

function view(name: string, version: string, extra: Partial<PackageView> = {}): PackageView {
  return {
    name,
    version,
    location: `node_modules/${name}`,
    resolved: `https://registry.example/${name}/-/${name}-${version}.tgz`,
    integrity: `sha512-${name}${version}`,
    source: 'registry',
    isDirect: true,
    path: ['app', name],
    spec: `^${version}`,
    isFromLockfile: true,
    isDev: false,
    isOptional: false,
    scripts: {},
    hasInstallScript: false,
    hasBindingGyp: false,
    requestedRanges: [],
    projectRange: `^${version}`,
    deprecated: null,
    ...extra,
  }
}

function inputs(overrides: Partial<VerdictInputs> = {}, policy: PolicyDocument = {}): VerdictInputs {
  return {
    mode: 'install',
    readsLockfileOnly: false,
    unpacks: true,
    packages: [view('left-pad', '1.3.0'), view('tiny-dep', '1.0.0')],
    context: {
      policy: policyOf(policy),
      configuredRegistries: ['https://registry.example/'],
      defaultRegistry: 'https://registry.example/',
      scopedRegistries: {},
      rewritesNpmjs: true,
      npmAllowScripts: null,
      project: { name: 'app', version: '1.0.0' },
      requestedOnCommandLine: [],
      policyFiles: [],
    },
    rules: RULES,
    ...overrides,
  }
}

const clean: Judgement = { findings: [], waived: [], expiredExceptions: [], unusedExceptions: [], isBlocked: false, result: 'clean', packageCount: 2 }

function verdict(extra: Partial<StoredVerdict> = {}): StoredVerdict {
  return { storedAt: NOW, validUntil: NOW + DAY, intel: 'feeds', judgement: clean, tarballsRead: [], scripts: {}, ...extra }
}

const cacheDir = () => tempDirRemovedAtExit('safe-npm-verdicts-')

test('the same tree, policy and command give the same key', () => {
  assert.is(verdictKey(inputs()), verdictKey(inputs()))
})

test('a changed lockfile entry, policy, command or named package is another key', () => {
  const base = verdictKey(inputs())
  const changed = [
    // lockfile: another version, another tarball, other bytes, another place in the tree
    inputs({ packages: [view('left-pad', '1.3.1'), view('tiny-dep', '1.0.0')] }),
    inputs({ packages: [view('left-pad', '1.3.0', { resolved: 'https://elsewhere.example/left-pad-1.3.0.tgz' }), view('tiny-dep', '1.0.0')] }),
    inputs({ packages: [view('left-pad', '1.3.0', { integrity: 'sha512-other' }), view('tiny-dep', '1.0.0')] }),
    inputs({ packages: [view('left-pad', '1.3.0', { path: ['app', 'tiny-dep', 'left-pad'] }), view('tiny-dep', '1.0.0')] }),
    inputs({ packages: [view('left-pad', '1.3.0')] }),
    // policy
    inputs({}, { minimumReleaseAge: { age: '7d' } }),
    inputs({}, { rules: { typosquatting: 'off' } }),
    inputs({}, { intel: { denyLists: ['./deny.txt'] } }),
    // command and context
    inputs({ mode: 'ci' }),
    inputs({ unpacks: false }),
    inputs({ readsLockfileOnly: true }),
    inputs({ context: { ...inputs().context, requestedOnCommandLine: ['left-pad@1.3.0'] } }),
    inputs({ context: { ...inputs().context, npmAllowScripts: { 'left-pad': true } } }),
    inputs({ context: { ...inputs().context, defaultRegistry: 'https://mirror.example/' } }),
    inputs({ rules: RULES.slice(1) }),
  ]
  for (const [index, candidate] of changed.entries()) assert.is.not(verdictKey(candidate), base, `case ${index}`)
})

test("the feeds' answer is compared in any order, and a new advisory changes it", () => {
  const advisory: Advisory = { id: 'MAL-1', source: 'deny-list:./deny.txt', summary: 'malware' } as Advisory
  const empty = intelFingerprint({ advisories: new Map(), problems: [] })
  const one = intelFingerprint({ advisories: new Map([['tiny-dep@1.0.0', [advisory]]]), problems: [] })
  assert.is.not(one, empty)
  const two = new Map([['a@1.0.0', [advisory]], ['b@1.0.0', [advisory]]])
  assert.is(intelFingerprint({ advisories: two, problems: [] }), intelFingerprint({ advisories: new Map([...two].reverse()), problems: [] }))
  assert.is.not(intelFingerprint({ advisories: new Map(), problems: [{ feed: 'osv', reason: 'timed out' }] }), empty)
})

test('a verdict answers until its facts would be refreshed, a version matures or an exception expires', () => {
  const packages = [view('left-pad', '1.3.0'), view('young', '1.0.0'), view('ahead', '1.0.0')]
  const factsAt = (published: Record<string, number>) =>
    new Map<string, PackageFacts>(
      Object.entries(published).map(([name, time]) => [`node_modules/${name}`, { status: 'known', version: { publishedAt: new Date(time) } } as PackageFacts]),
    )
  const policy = policyOf({ minimumReleaseAge: { age: '3d' }, intel: { maxAge: '1d' } })
  // facts stored an hour ago: good for the rest of the day
  assert.is(verdictValidUntil(packages, factsAt({ 'left-pad': NOW - 400 * DAY }), policy, NOW, NOW - 3_600_000), NOW - 3_600_000 + DAY)
  // a version published 2.5 days ago turns 3 days old in half a day
  assert.is(verdictValidUntil(packages, factsAt({ young: NOW - 2.5 * DAY }), policy, NOW, NOW), NOW + 0.5 * DAY)
  // a publish time in the future stops being one when it is reached
  assert.is(verdictValidUntil(packages, factsAt({ ahead: NOW + 3_600_000 }), policy, NOW, NOW), NOW + 3_600_000)
  const excepted = policyOf({
    intel: { maxAge: '30d' },
    exceptions: [{ package: 'left-pad@1.3.0', rule: 'deprecated', reason: 'reviewed', expires: '2026-11-28' }],
  })
  assert.is(verdictValidUntil(packages, new Map(), excepted, NOW, NOW), Date.parse('2026-11-29T00:00:00Z'))
})

test('a stored verdict reads back under its key until validUntil, and not before it was stored', async () => {
  const cache = new VerdictCache(cacheDir())
  await cache.write('a'.repeat(64), verdict())
  assert.equal((await cache.read('a'.repeat(64), NOW + 1000))?.judgement, clean)
  assert.is(await cache.read('b'.repeat(64), NOW), null)
  assert.is(await cache.read('a'.repeat(64), NOW + DAY), null)
  // a clock set back does not bring an old verdict back
  assert.is(await cache.read('a'.repeat(64), NOW - 1), null)
})

test('a damaged or edited verdict is judged afresh, never trusted', async () => {
  const dir = cacheDir()
  const cache = new VerdictCache(dir)
  const blocked: Judgement = { ...clean, findings: [{ code: 'known-malware/reported' } as Judgement['findings'][number]], isBlocked: true, result: 'blocked' }
  await cache.write('c'.repeat(64), verdict({ judgement: blocked }))
  const file = path.join(dir, readdirSync(dir)[0])
  const text = readFileSync(file, 'utf8')
  // valid JSON, the finding removed: a blocked tree must not turn clean
  writeFileSync(file, text.replace('"findings":[{"code":"known-malware/reported"}]', '"findings":[]'))
  assert.is(await cache.read('c'.repeat(64), NOW), null)
  writeFileSync(file, text.slice(0, 20))
  assert.is(await cache.read('c'.repeat(64), NOW), null)
})

test('at most 32 verdicts are kept, the newest', async () => {
  const dir = cacheDir()
  const cache = new VerdictCache(dir)
  for (let index = 0; index < 34; index++) await cache.write(index.toString(16).padStart(64, '0'), verdict())
  assert.is(readdirSync(dir).filter((name) => name.endsWith('.json')).length, 32)
  assert.ok(await cache.read((33).toString(16).padStart(64, '0'), NOW))
})

test("a package's result key follows its own view, its dependencies' views and whether it was typed, not the rest of the tree", () => {
  const base = verdictBase(inputs())
  const withDep = view('with-dep', '1.0.0', { dependencyLocations: { 'tiny-dep': 'node_modules/tiny-dep' } })
  const tree = [withDep, view('tiny-dep', '1.0.0'), view('left-pad', '1.3.0')]
  const keys = packageKeys(base, tree, [])
  assert.is(new Set(keys.values()).size, 3)
  // another package added: the others keep their keys
  const grown = packageKeys(base, [...tree, view('kleur', '4.1.5')], ['kleur@4.1.5'])
  for (const location of keys.keys()) assert.is(grown.get(location), keys.get(location), location)
  // a dependency that changed changes its dependent's key, not an unrelated one
  const bumped = packageKeys(base, [withDep, view('tiny-dep', '1.0.1', { location: 'node_modules/tiny-dep' }), tree[2]], [])
  assert.is.not(bumped.get('node_modules/with-dep'), keys.get('node_modules/with-dep'))
  assert.is(bumped.get('node_modules/left-pad'), keys.get('node_modules/left-pad'))
  // typed on the command line (a typosquat's hint differs), another policy or command: other keys
  assert.is.not(packageKeys(base, tree, ['left-pad']).get('node_modules/left-pad'), keys.get('node_modules/left-pad'))
  assert.is.not(packageKeys(verdictBase(inputs({}, { minimumReleaseAge: { age: '9d' } })), tree, []).get('node_modules/left-pad'), keys.get('node_modules/left-pad'))
  assert.is.not(packageKeys(verdictBase(inputs({ mode: 'ci' })), tree, []).get('node_modules/left-pad'), keys.get('node_modules/left-pad'))
})

test('stored package results read back under their base; a damaged file answers nothing', async () => {
  const dir = cacheDir()
  const results = new PackageResults(dir)
  const result: PackageResult = { validUntil: NOW + DAY, intel: '[null,null]', tarballRead: false, script: null, results: { deprecated: [{ messageId: 'deprecated', args: { name: 'a' } }] } }
  await results.write('b'.repeat(64), { k1: result })
  assert.equal([...(await results.read('b'.repeat(64)))], [['k1', result]])
  assert.is((await results.read('c'.repeat(64))).size, 0, 'another base')
  const file = path.join(dir, `${'b'.repeat(64)}.packages.json`)
  writeFileSync(file, readFileSync(file, 'utf8').replace('deprecated"', 'deprecateD"'))
  assert.is((await results.read('b'.repeat(64))).size, 0, 'an edited file')
})

test.run()
