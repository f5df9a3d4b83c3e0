// Every rule's signal per package, as inspect and judgeSpecs show it: the
// status comes from the judgement (block, warn, waived), the facts the rule
// needs (unverifiable, not-checked), the rule's own explanation, or the policy
// (off); otherwise the rule ran and found nothing: pass.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { signalsOf } from '../../lib/engine/inspect.ts'
import { judge, prepareRules } from '../../lib/engine/judge.ts'
import type { RunOutcome } from '../../lib/engine/run.ts'
import type { PackageFacts, PackageView, VersionFacts } from '../../lib/model/rule.ts'
import type { PolicyDocument } from '../../lib/policy/schema.ts'
import { RULES } from '../../lib/rules/index.ts'
import { formatInspection } from '../../lib/report/inspect-report.ts'
import { createStyle } from '../../lib/report/text-report.ts'
import { PACKAGES } from '../report/sample-judgement.ts'
import { ruleContext } from '../helpers/rule-context.ts'

// What the rules judge with (the typosquat index), loaded as the engine loads it.
await prepareRules(RULES)

const NOW = new Date('2026-11-27T12:00:00.000Z')
const DAY = 24 * 60 * 60 * 1000

function version(publisher: string | null, ageDays: number): VersionFacts {
  return { version: '1.0.0', publishedAt: new Date(NOW.getTime() - ageDays * DAY), publisher, scripts: {}, hasProvenance: false, hasTrustedPublisher: false, deprecated: null }
}

function outcomeOf(packages: PackageView[], facts: Map<string, PackageFacts>, document: PolicyDocument = {}): RunOutcome {
  const context = ruleContext(
    { document, now: NOW },
    { project: { name: 'safe-npm-inspect', version: '0.0.0' }, requestedOnCommandLine: packages.filter((pkg) => pkg.isDirect).map((pkg) => pkg.name) },
  )
  return {
    mode: 'inspect', judgement: judge(packages, facts, RULES, context), policyFiles: [], packages, project: context.project, install: null,
    manifest: 'package.json', notes: [], heldBack: [], now: NOW, npmWarnings: [], facts, context,
  }
}

const view = (name: string, overrides: Partial<PackageView> = {}): PackageView => ({
  ...PACKAGES[0],
  name,
  version: '1.0.0',
  location: `node_modules/${name}`,
  resolved: `https://registry.npmjs.org/${name}/-/${name}-1.0.0.tgz`,
  integrity: null,
  path: ['safe-npm-inspect', name],
  claimedName: name,
  claimedVersion: '1.0.0',
  ...overrides,
})

test('statuses: block and pass from the judgement, waived, off by policy, not-checked without the tarball, unverifiable without facts or a publisher', () => {
  const packages = [view('crossenv'), view('tiny-dep', { isDirect: false, path: ['safe-npm-inspect', 'crossenv', 'tiny-dep'] }), view('mystery', { isDirect: false })]
  const facts = new Map<string, PackageFacts>([
    ['node_modules/crossenv', { status: 'known', version: version('alice', 30), versions: [version('alice', 30)] }],
    ['node_modules/tiny-dep', { status: 'known', version: version(null, 1), versions: [version(null, 1)] }],
    ['node_modules/mystery', { status: 'unverifiable', reason: 'E500 from the registry' }],
  ])
  const outcome = outcomeOf(packages, facts, {
    rules: { deprecated: 'off' },
    exceptions: [{ package: 'tiny-dep', rule: 'minimum-release-age', reason: 'reviewed' }],
  })
  const [crossenv, tiny, mystery] = signalsOf(outcome)
  const status = (pkg: typeof crossenv, rule: string) => pkg.signals.find((signal) => signal.rule === rule)!.status
  assert.equal(crossenv.signals.map((signal) => signal.rule), RULES.map((rule) => rule.meta.id), 'one signal per rule, in the rules\' order')
  assert.is(status(crossenv, 'typosquatting'), 'block')
  assert.equal(crossenv.signals.find((signal) => signal.rule === 'typosquatting')!.facts.nearestPopular, ['cross-env'])
  assert.is(status(crossenv, 'minimum-release-age'), 'pass')
  assert.is(crossenv.signals.find((signal) => signal.rule === 'minimum-release-age')!.facts.age, '30d')
  assert.is(status(crossenv, 'publisher-change'), 'pass')
  assert.is(status(crossenv, 'deprecated'), 'off')
  assert.equal(crossenv.signals.find((signal) => signal.rule === 'deprecated')!.facts, {}, 'a rule that is off explains nothing')
  assert.is(status(crossenv, 'manifest-confusion'), 'not-checked')
  assert.ok(crossenv.isRequested)
  assert.is(status(tiny, 'minimum-release-age'), 'waived')
  assert.equal(tiny.signals.find((signal) => signal.rule === 'minimum-release-age')!.findings.map((finding) => finding.code), ['minimum-release-age/too-young'])
  assert.is(status(tiny, 'publisher-change'), 'unverifiable', 'no publisher recorded: not a pass')
  assert.not.ok(tiny.isRequested)
  assert.is(status(mystery, 'publisher-change'), 'unverifiable')
  assert.is(status(mystery, 'unverifiable'), 'block')

  const text = formatInspection({ outcome, packages: [crossenv, tiny, mystery] }, ['crossenv'], createStyle(false)).stdout
  assert.match(text, /^safe-npm inspect: crossenv would add 3 packages to an empty project, judged against the embedded default policy: blocked$/m)
  assert.match(text, /^ {2}✖ block +typosquatting +popular: false; nearestPopular: cross-env; allowed: false$/m)
  assert.match(text, /^ {2}- off +deprecated$/m)
  // Of the packages brought along: findings (a waived one too), not their passes; what could not be judged, counted.
  assert.match(text, /^tiny-dep@1\.0\.0 \(crossenv > tiny-dep\)$/m)
  assert.match(text, /^ {2}~ waived +minimum-release-age +published: /m)
  assert.not.match(text.slice(text.indexOf('tiny-dep@')), /✔ pass/, 'no passes of the packages brought along')
  // tiny-dep has a (waived) finding and is listed; mystery's unverifiable finding says why: nothing left to count.
  assert.not.match(text, /without findings/)
  const quietText = formatInspection({ outcome, packages: [crossenv, { ...tiny, signals: tiny.signals.filter((signal) => signal.status !== 'waived') }] }, ['crossenv'], createStyle(false)).stdout
  assert.match(quietText, /^1 more package they bring had no finding/m)
  assert.match(quietText, /^\? publisher-change \(the registry records no publisher for this version\): 1 of the 1 without findings$/m)
  assert.match(text, /^safe-npm: crossenv would be blocked by policy\.$/m)
})

test.run()
