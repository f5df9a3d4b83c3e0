// The human report: what each part of a judgement prints, with and without colour.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { createStyle, formatJudgement } from '../../lib/report/text-report.ts'
import { CLEAN, JUDGEMENT, POLICY_FILES, WARNINGS_ONLY } from './sample-judgement.ts'

const plain = createStyle(false)
const ANSI = /\u001b\[\d+m/g

test('the header: how many packages against which policy files', () => {
  const text = formatJudgement(JUDGEMENT, POLICY_FILES, plain)
  assert.is(text.split('\n')[0], 'safe-npm: checked 5 packages against /work/app/.safe-npmrc.json + /etc/safe-npm/org.json')
  assert.is(formatJudgement({ ...CLEAN, packageCount: 1 }, [], plain), 'safe-npm: checked 1 package against the embedded default policy')
})

test('a clean judgement is the header alone', () => {
  assert.is(formatJudgement(CLEAN, [], plain), 'safe-npm: checked 0 packages against the embedded default policy')
})

test('blocks and warnings: sections by severity, findings grouped by rule, with path, fix and code', () => {
  const text = formatJudgement(JUDGEMENT, POLICY_FILES, plain)
  const expected = [
    'safe-npm: checked 5 packages against /work/app/.safe-npmrc.json + /etc/safe-npm/org.json',
    '',
    'Blocked (2)',
    '  packages (1)',
    '    ✖ evil-pkg@1.0.0 is on the deny list (evil-pkg)',
    '      path: my-app > evil-pkg',
    '      fix:  Remove the dependency, or pick a version outside the denied range.',
    '      code: packages/denied',
    '  install-scripts (1)',
    '    ✖ @acme/tool@2.0.0-beta.1 has an install script that is not on the allowlist, so it is not run: postinstall',
    '      path: my-app > @acme/tool',
    '      fix:  Review the script, then allow it in scripts.allow.',
    '      code: install-scripts/unreviewed',
    '',
    'Warnings (2)',
    '  deprecated (1)',
    '    ! old-lib@0.9.0 is deprecated: use new-lib',
    '      path: my-app > @acme/tool > old-lib',
    '      code: deprecated/deprecated',
    '  dependency-confusion (1)',
    '    ! the public registry could not be asked about @acme: ETIMEDOUT',
    '      path: my-app',
    '      code: dependency-confusion/probe-failed',
    'exception (/work/app/.safe-npmrc.json): minimum-release-age/too-young for fresh-pkg@3.1.0 waived: hotfix reviewed by security',
    'expired exception (/etc/safe-npm/org.json): packages for left-pad@1 expired on 2026-01-31 and no longer applies',
    'hint: the exception for install-scripts on @acme/* (/work/app/.safe-npmrc.json) matched nothing and can be removed',
  ]
  assert.equal(text.split('\n'), expected)
})

test('warnings only: no Blocked section', () => {
  const text = formatJudgement(WARNINGS_ONLY, [], plain)
  assert.not.ok(text.includes('Blocked'))
  assert.ok(text.includes('Warnings (2)'))
})

test('without colour no escape codes; with colour the same text inside them', () => {
  assert.not.match(formatJudgement(JUDGEMENT, POLICY_FILES, plain), ANSI)
  const coloured = formatJudgement(JUDGEMENT, POLICY_FILES, createStyle(true))
  assert.match(coloured, /\u001b\[31m/)
  assert.match(coloured, /\u001b\[33m/)
  assert.is(coloured.replace(ANSI, ''), formatJudgement(JUDGEMENT, POLICY_FILES, plain))
})

test.run()
