// The engine alone decides severities: the rule's own setting, another setting
// a message names, a ceiling; and what is gathered follows the rules' needs.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { neededBy } from '../../lib/engine/gather.ts'
import { isActive, severityOf } from '../../lib/engine/judge.ts'
import type { Rule } from '../../lib/model/rule.ts'
import { mergeWithFloor } from '../../lib/policy/merge.ts'
import type { PolicyDocument } from '../../lib/policy/schema.ts'
import { RULES } from '../../lib/rules/index.ts'

const policyOf = (document: PolicyDocument) => mergeWithFloor([], [{ source: 'test', isOrganisation: false, document }]).policy
const rule = (id: string) => RULES.find((candidate) => candidate.meta.id === id) as Rule

test('a message takes its rule severity unless its meta names another setting', () => {
  const malware = rule('known-malware')
  assert.is(severityOf(malware, 'reported', policyOf({})), 'block')
  assert.is(severityOf(malware, 'feed-unreachable', policyOf({})), 'warn')
  assert.is(severityOf(malware, 'feed-unreachable', policyOf({ intel: { unreachable: 'block' } })), 'block')
  // A rule that is off reports nothing, whatever its messages' settings say.
  assert.is(severityOf(malware, 'feed-unreachable', policyOf({ rules: { 'known-malware': 'off' }, intel: { unreachable: 'block' } })), 'off')
})

test('provenance that could not be checked is judged by rules.unverifiable', () => {
  const provenance = rule('provenance')
  assert.is(severityOf(provenance, 'unverified', policyOf({ rules: { unverifiable: 'warn' } })), 'warn')
  assert.is(severityOf(provenance, 'missing', policyOf({ rules: { unverifiable: 'warn' } })), 'block')
})

test('advice never rises above its ceiling', () => {
  const confusion = rule('dependency-confusion')
  assert.is(severityOf(confusion, 'claimed-publicly', policyOf({})), 'block')
  assert.is(severityOf(confusion, 'claim-it', policyOf({})), 'warn')
  assert.is(severityOf(confusion, 'probe-failed', policyOf({ rules: { 'dependency-confusion': 'warn' } })), 'warn')
})

test('a missing publish time follows minimumReleaseAge.missingTime', () => {
  assert.is(severityOf(rule('minimum-release-age'), 'unknown-publish-time', policyOf({ minimumReleaseAge: { missingTime: 'warn' } })), 'warn')
})

test('what is gathered is the union of the active rules needs', () => {
  const defaults = neededBy(RULES, policyOf({}), false)
  assert.is(defaults.facts, true)
  assert.is(defaults.advisories, true)
  assert.equal(defaults.provenance, [])
  assert.is(defaults.probe, false)
  assert.is(neededBy(RULES, policyOf({}), true).probe, true)
  assert.is(neededBy(RULES, policyOf({ dependencyConfusion: { probe: true } }), false).probe, true)
  assert.is(neededBy(RULES, policyOf({ dependencyConfusion: { probe: true }, rules: { 'dependency-confusion': 'off' } }), true).probe, false)
  assert.equal(neededBy(RULES, policyOf({ provenance: { require: ['left-pad'] } }), false).provenance, ['left-pad'])
  assert.equal(neededBy(RULES, policyOf({ provenance: { require: ['left-pad'] }, rules: { provenance: 'off' } }), false).provenance, [])
  // Without known-malware, advisories are asked only for a vulnerability threshold.
  assert.is(neededBy(RULES, policyOf({ rules: { 'known-malware': 'off' } }), false).advisories, false)
  assert.is(neededBy(RULES, policyOf({ rules: { 'known-malware': 'off' }, intel: { vulnerabilities: 'high' } }), false).advisories, true)
  assert.is(isActive(rule('deprecated'), policyOf({ rules: { deprecated: 'off' } })), false)
})

test.run()
