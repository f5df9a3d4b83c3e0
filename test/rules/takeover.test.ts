// The takeover rule: one signal never blocks, two do, only on established
// packages, and a signal whose facts are missing is unknown (listed, never
// counted). Also the recent-line comparison of trust-downgrade and
// publisher-change (issue 11, part 2).
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { judge, prepareRules } from '../../lib/engine/judge.ts'
import { RULES } from '../../lib/rules/index.ts'
import { publisherChangeRule } from '../../lib/rules/publisher-change.ts'
import { takeoverRule } from '../../lib/rules/takeover.ts'
import { trustDowngradeRule } from '../../lib/rules/trust-downgrade.ts'
import type { PackageFacts, PackageView, RuleContext, VersionFacts } from '../../lib/model/rule.js'
import { ruleContext } from '../helpers/rule-context.ts'

// What the rules judge with (the typosquat index), loaded as the engine loads it.
await prepareRules(RULES)

const NOW = new Date('2026-11-27T12:00:00Z')
const DAY = 86_400_000

const context: RuleContext = ruleContext({ now: NOW })

function release(version: string, ageDays: number, extra: Partial<VersionFacts> = {}): VersionFacts {
  return {
    version,
    publishedAt: new Date(NOW.getTime() - ageDays * DAY),
    publisher: 'alice',
    scripts: {},
    hasProvenance: false,
    hasTrustedPublisher: false,
    deprecated: null,
    dependencies: ['left-pad'],
    maintainers: ['alice'],
    ...extra,
  }
}

/** 1.0.0 … 1.<count-1>.0, one every 30 days, the last `lastAgeDays` ago. */
function established(count = 12, lastAgeDays = 40, extra: Partial<VersionFacts> = {}): VersionFacts[] {
  return Array.from({ length: count }, (_, index) => release(`1.${index}.0`, lastAgeDays + (count - 1 - index) * 30, extra))
}

function view(name: string, version: string, overrides: Partial<PackageView> = {}): PackageView {
  return {
    name,
    version,
    location: `node_modules/${name}`,
    resolved: `https://registry.npmjs.org/${name}/-/${name}-${version}.tgz`,
    integrity: 'sha512-x',
    source: 'registry',
    isDirect: true,
    path: ['app', name],
    spec: version,
    isFromLockfile: false,
    isDev: false,
    isOptional: false,
    scripts: {},
    hasInstallScript: false,
    hasBindingGyp: false,
    requestedRanges: [],
    projectRange: version,
    deprecated: null,
    ...overrides,
  }
}

function factsOf(versions: VersionFacts[], current: string): PackageFacts {
  return { status: 'known', version: versions.find((entry) => entry.version === current), versions, distTags: {} }
}

/** The takeover finding of `current` in a tree of one package (plus `others`, by location), or null. */
function takeover(versions: VersionFacts[], current: string, others: Array<[PackageView, PackageFacts]> = [], overrides: Partial<PackageView> = {}) {
  const pkg = view('lib', current, overrides)
  const packages = [pkg, ...others.map(([other]) => other)]
  const facts = new Map<string, PackageFacts>([[pkg.location, factsOf(versions, current)], ...others.map(([other, known]): [string, PackageFacts] => [other.location, known])])
  const judgement = judge(packages, facts, [takeoverRule], context)
  return judgement.findings.find((finding) => finding.package.name === 'lib') ?? null
}

const signalIds = (finding: ReturnType<typeof takeover>) => String(finding?.args.signalIds ?? '').split(',').filter(Boolean).sort()

// ---- one signal alone never blocks ------------------------------------------------

const alone: Array<[string, Partial<VersionFacts>]> = [
  ['new publisher', { publisher: 'mallory' }],
  ['new install script', { scripts: { postinstall: 'node x.js' } }],
  ['maintainers changed', { maintainers: ['alice', 'carol'] }],
]
for (const [what, change] of alone) {
  test(`${what} alone does not block`, () => {
    assert.is(takeover([...established(), release('1.12.0', 5, change)], '1.12.0'), null)
  })
}

test('lost provenance alone does not block', () => {
  assert.is(takeover([...established(12, 40, { hasProvenance: true }), release('1.12.0', 5)], '1.12.0'), null)
})

test('a release out of cadence alone does not block (1.11.0 → 1.12.7, or after years of silence)', () => {
  assert.is(takeover([...established(), release('1.12.7', 5)], '1.12.7'), null)
  assert.is(takeover([...established(12, 900), release('1.12.0', 5)], '1.12.0'), null)
})

test('a package that skipped numbers before (a monorepo in fixed mode) is not out of cadence when it skips again', () => {
  const change = { scripts: { postinstall: 'node x.js' } }
  const skipping = established(12).map((entry, index) => (index === 6 ? { ...entry, version: '1.6.4' } : entry))
  assert.is(takeover([...skipping, release('1.12.7', 5, change)], '1.12.7'), null)
  assert.equal(signalIds(takeover([...established(), release('1.12.7', 5, change)], '1.12.7')), ['cadence', 'install-script'])
})

test('a young new dependency alone does not block', () => {
  const dep = view('fresh', '0.1.0', { location: 'node_modules/fresh', isDirect: false })
  const versions = [...established(), release('1.12.0', 5, { dependencies: ['fresh', 'left-pad'] })]
  assert.is(takeover(versions, '1.12.0', [[dep, factsOf([release('0.1.0', 8, { dependencies: [] })], '0.1.0')]], { dependencyLocations: { fresh: 'node_modules/fresh' } }), null)
})

// ---- two signals block ---------------------------------------------------------------

test('a new publisher with a new install script blocks, and names both signals', () => {
  const finding = takeover([...established(), release('1.12.0', 5, { publisher: 'mallory', scripts: { postinstall: 'node x.js' } })], '1.12.0')
  assert.is(finding?.code, 'takeover/takeover-pattern')
  assert.is(finding?.severity, 'block')
  assert.equal(signalIds(finding), ['install-script', 'new-publisher'])
  assert.match(finding!.message, /"mallory" published none of its recent releases/)
  assert.match(finding!.message, /postinstall: node x\.js/)
})

test('a new dependency that carries an install script and is days old counts as two signals', () => {
  const dep = view('fresh', '0.1.1', { location: 'node_modules/lib/node_modules/fresh', isDirect: false, hasInstallScript: true, scripts: { postinstall: 'node setup.js' } })
  const depFacts = factsOf([release('0.1.0', 9, { dependencies: [] }), release('0.1.1', 8, { dependencies: [], scripts: { postinstall: 'node setup.js' } })], '0.1.1')
  const versions = [...established(), release('1.12.0', 5, { dependencies: ['fresh', 'left-pad'] })]
  const finding = takeover(versions, '1.12.0', [[dep, depFacts]], { dependencyLocations: { fresh: 'node_modules/lib/node_modules/fresh' } })
  assert.equal(signalIds(finding), ['install-script', 'young-dependency'])
  assert.match(finding!.message, /its new dependency fresh has an install script/)
})

test('a release published within a day of others is compared with the release before the burst', () => {
  const burst = [release('1.12.0', 5, { scripts: { postinstall: 'node x.js' } }), release('1.12.1', 4.99, { scripts: { postinstall: 'node x.js' } })]
  const finding = takeover([...established(12, 40, { hasProvenance: true }), ...burst], '1.12.1')
  assert.equal(signalIds(finding), ['install-script', 'lost-trust'])
})

test('a dormant account of an old maintainer coming back with maintainers changed blocks', () => {
  const finding = takeover([...established(), release('1.12.0', 5, { publisher: 'mallory', maintainers: ['mallory'] })], '1.12.0')
  assert.equal(signalIds(finding), ['maintainers-changed', 'new-publisher'])
  assert.match(finding!.message, /removed alice/)
})

test('the publisher joining the maintainers is not counted again as a maintainer change', () => {
  assert.is(takeover([...established(), release('1.12.0', 5, { publisher: 'mallory', maintainers: ['alice', 'mallory'] })], '1.12.0'), null)
})

test('a manual release after trusted-publisher (OIDC) ones is one signal, lost trust, not also a new publisher', () => {
  const ci = established(12, 40, { publisher: 'GitHub Actions', hasTrustedPublisher: true, hasProvenance: true })
  const manual = release('1.12.0', 5, { publisher: 'alice' })
  assert.is(takeover([...ci, manual], '1.12.0'), null)
  const finding = takeover([...ci, { ...manual, scripts: { postinstall: 'node x.js' } }], '1.12.0')
  assert.equal(signalIds(finding), ['install-script', 'lost-trust'])
  assert.match(finding!.message, /no provenance and its trusted publisher, which 1\.11\.0 had/)
})

test('moving to a trusted publisher is no new publisher', () => {
  const versions = [...established(), release('1.12.0', 5, { publisher: 'GitHub Actions', hasTrustedPublisher: true, scripts: { postinstall: 'node x.js' } })]
  assert.is(takeover(versions, '1.12.0'), null)
})

test('a pattern on a release public for more than a year is reported, never blocked', () => {
  const versions = [...established(12, 800), release('1.12.0', 400, { publisher: 'mallory', scripts: { postinstall: 'node x.js' } })]
  const finding = takeover(versions, '1.12.0')
  assert.is(finding?.code, 'takeover/takeover-pattern-settled')
  assert.is(finding?.severity, 'warn')
})

// ---- established only ---------------------------------------------------------------

test('a package with fewer than 10 earlier releases, or less than 180 days of them, is not judged', () => {
  const change = { publisher: 'mallory', scripts: { postinstall: 'node x.js' } }
  assert.is(takeover([...established(9), release('1.9.0', 5, change)], '1.9.0'), null, '9 releases')
  const quick = Array.from({ length: 12 }, (_, index) => release(`1.${index}.0`, 100 - index * 5))
  assert.is(takeover([...quick, release('1.12.0', 5, change)], '1.12.0'), null, '95 days of history')
  assert.ok(takeover([...established(10), release('1.10.0', 5, change)], '1.10.0'), '10 releases over 300 days')
})

// ---- unknown is not passed, and never blocks -------------------------------------

test('without publishers, maintainers or dependency lists (this registry) those signals are unknown, listed, and do not count', () => {
  const bare = { publisher: null, maintainers: undefined, dependencies: undefined }
  const versions = [...established(12, 40, bare), release('1.12.0', 5, { ...bare, scripts: { postinstall: 'node x.js' } })]
  assert.is(takeover(versions, '1.12.0'), null, 'one signal, the rest unknown')
  const jumped = [...established(12, 40, bare), release('1.12.9', 5, { ...bare, scripts: { postinstall: 'node x.js' } })]
  const finding = takeover(jumped, '1.12.9')
  assert.equal(signalIds(finding), ['cadence', 'install-script'])
  assert.match(finding!.message, /not known: new publisher, young new dependency, maintainers changed/)
})

test('made-up publish times (out of version order) make time signals unknown: no block on a "silence" they show', () => {
  const shuffled = [5, 900, 30, 700, 60, 1000, 90, 800, 120, 950, 150, 600].map((age, index) => release(`1.${index}.0`, age))
  // by version, 1.12.0 follows a two-year "silence" only if the times were true
  const versions = [...shuffled, release('1.12.0', 1, { scripts: { postinstall: 'node x.js' } })]
  assert.is(takeover(versions, '1.12.0'), null)
  const withPublisher = [...shuffled, release('1.12.0', 1, { publisher: 'mallory', scripts: { postinstall: 'node x.js' } })]
  const finding = takeover(withPublisher, '1.12.0')
  assert.equal(signalIds(finding), ['install-script', 'new-publisher'])
  assert.match(finding!.message, /not known: out of cadence$/)
})

test('the takeover rule is registered and blocks by default', () => {
  assert.ok(RULES.includes(takeoverRule))
  assert.is(context.policy.rules.takeover, 'block')
})

// ---- part 2: trust signals compared with the recent releases of the same line ------

const trust = (versions: VersionFacts[], current: string) =>
  trustDowngradeRule.check(view('lib', current), factsOf(versions, current), context).map((finding) => finding.args.lastVersionWith)
const publisher = (versions: VersionFacts[], current: string) =>
  publisherChangeRule.check(view('lib', current), factsOf(versions, current), context).map((finding) => finding.args.publisher)

test('trust-downgrade: a new major without the provenance the old one had is reported once, at its first release', () => {
  const old = established(12, 200, { hasProvenance: true })
  const next = [release('2.0.0', 100), release('2.1.0', 50)]
  assert.equal(trust([...old, ...next], '2.0.0'), ['lib@1.11.0'], 'the first release of a line continues the line before it')
  assert.equal(trust([...old, ...next], '2.1.0'), [], 'later releases are compared with their own line')
})

test('trust-downgrade: a backport on an old line is compared with that line, not with the newer line that has provenance', () => {
  const versions = [...established(12, 400), release('2.0.0', 300, { hasProvenance: true }), release('2.1.0', 100, { hasProvenance: true }), release('1.12.0', 10)]
  assert.equal(trust(versions, '1.12.0'), [])
  assert.equal(trust([...versions, release('2.2.0', 5)], '2.2.0'), ['lib@2.1.0'], 'the newer line losing it still is')
})

test('trust-downgrade: provenance given up more than 10 releases and a year ago is no longer reported', () => {
  const versions = [...Array.from({ length: 5 }, (_, index) => release(`1.${index}.0`, 2000 - index * 10, { hasProvenance: true })), ...Array.from({ length: 11 }, (_, index) => release(`1.${index + 5}.0`, 1500 - index * 100))]
  assert.equal(trust(versions, '1.15.0'), [])
})

test('publisher-change: a handover long ago is no news; a dormant account that comes back is', () => {
  const alice = Array.from({ length: 10 }, (_, index) => release(`1.${index}.0`, 2000 - index * 20))
  const bob = Array.from({ length: 15 }, (_, index) => release(`1.${index + 10}.0`, 1200 - index * 60, { publisher: 'bob' }))
  assert.equal(publisher([...alice, ...bob], '1.24.0'), [])
  assert.equal(publisher([...alice, ...bob, release('1.25.0', 5, { publisher: 'alice' })], '1.25.0'), ['alice'])
  assert.equal(publisher([...alice, ...bob], '1.10.0'), ['bob'], 'the release that brought the handover still says so')
})

test('publisher-change: a maintainer of the new line publishing a backport on the old one is no news', () => {
  const versions = [...established(12, 600), ...Array.from({ length: 5 }, (_, index) => release(`2.${index}.0`, 300 - index * 50, { publisher: 'bob' })), release('1.12.0', 10, { publisher: 'bob' })]
  assert.equal(publisher(versions, '1.12.0'), [])
})

test.run()
