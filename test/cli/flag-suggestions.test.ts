// What counts as a typo of safe-npm's options (a usage error) and what as a
// typo of npm's (npm's warning plus a suggestion).
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { OWN_OPTION_NAMES } from '../../lib/cli/args.ts'
import { closestOption, configWarningLines, judgeUnknownFlags } from '../../lib/cli/flag-suggestions.ts'
import { NPM_OPTION_NAMES } from '../../lib/npm/npm-command-line.ts'

test("safe-npm's own long options", () => {
  assert.equal([...OWN_OPTION_NAMES].sort(), ['format', 'help', 'json', 'lockfile', 'org-policy', 'policy', 'preset', 'probe', 'schema', 'spec-version', 'version'])
})

const near: Array<[string, string | null]> = [
  ['--polciy', '--policy'],
  ['--poliyc', '--policy'],
  ['--plicy', '--policy'],
  ['--lockfil', '--lockfile'],
  ['--lokcfile', '--lockfile'],
  ['--org-pol', '--org-policy'],
  ['--fromat', '--format'],
  ['--jsno', '--json'],
  ['--JSON', '--json'],
  ['--prob', '--probe'],
  ['--pro', null],
  ['--registry', null],
  ['--zzqqxx', null],
]
for (const [flag, expected] of near) {
  test(`closestOption(${flag}) among safe-npm's → ${expected}`, () => {
    assert.is(closestOption(flag, OWN_OPTION_NAMES), expected)
  })
}

test("closestOption among npm's options", () => {
  assert.is(closestOption('--save-deV', NPM_OPTION_NAMES), '--save-dev')
  assert.is(closestOption('--legacy-peer-dep', NPM_OPTION_NAMES), '--legacy-peer-deps')
  assert.is(closestOption('--ignore-script', NPM_OPTION_NAMES), '--ignore-scripts')
  assert.is(closestOption('--zzqqxx', NPM_OPTION_NAMES), null)
})

test("judgeUnknownFlags: near safe-npm's is an error, near npm's a suggestion, an npm abbreviation npm's own business", () => {
  const typo = judgeUnknownFlags([{ flag: '--save-deV' }, { flag: '--polciy' }])
  assert.is(typo.error?.code, 'EUSAGE')
  assert.is(typo.error?.message, 'unknown option --polciy: did you mean --policy?')
  assert.equal(judgeUnknownFlags([{ flag: '--save-deV' }]), { error: null, suggestions: ['--save-deV is not an npm option, so npm ignores it: did you mean --save-dev?'] })
  assert.equal(judgeUnknownFlags([{ flag: '--save-de', expandsTo: 'save-dev' }]), { error: null, suggestions: [] })
  // An abbreviation that is also one slip from ours: ours (npm would read --lockfil as --lockfile-version).
  assert.is(judgeUnknownFlags([{ flag: '--lockfil', expandsTo: 'lockfile-version' }]).error?.message, 'unknown option --lockfil: did you mean --lockfile?')
})

test('configWarningLines: npm warn lines, then suggestions; nothing at silent or error', () => {
  const warnings = ['Unknown cli config "--save-deV". This will stop working in the next major version of npm.']
  assert.is(
    configWarningLines(warnings, [{ flag: '--save-deV' }], 'warn'),
    'npm warn Unknown cli config "--save-deV". This will stop working in the next major version of npm.\nsafe-npm: warn --save-deV is not an npm option, so npm ignores it: did you mean --save-dev?\n',
  )
  assert.is(configWarningLines(warnings, [{ flag: '--save-deV' }], 'silent'), '')
  assert.is(configWarningLines(warnings, [{ flag: '--save-deV' }], 'error'), '')
})

test.run()
