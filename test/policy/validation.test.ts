import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { readFileSync } from 'node:fs'
import { validatePolicy } from '../../lib/policy/load.ts'
import { parseDuration } from '../../lib/model/duration.js'
import { policyJsonSchema } from '../../lib/policy/json-schema.ts'

const repo = new URL('../../', import.meta.url)

// input → the one-line message it must produce (path first, then what was expected)
const INVALID: Array<[unknown, string]> = [
  [{ minimumReleaseAge: { age: '3 days' } }, 'minimumReleaseAge.age: expected a duration like "3d" (units: m, h, d, w), got "3 days"'],
  [{ minimumReleaseAge: { age: 3 } }, 'minimumReleaseAge.age: expected string, got 3'],
  [{ rules: { packages: 'blok' } }, 'rules.packages: expected one of "block", "warn", "off", got "blok"'],
  [{ rules: { 'no-such-rule': 'block' } }, 'rules.no-such-rule: unknown setting'],
  [{ registries: { scopes: { acme: 'https://npm.acme.example/' } } }, 'registries.scopes.acme: expected a scope like "@acme", got "acme"'],
  [{ registries: { allowed: ['npm.acme.example'] } }, 'registries.allowed.0: expected a registry URL like "https://registry.npmjs.org/", got "npm.acme.example"'],
  [{ registries: { allowed: 'https://registry.npmjs.org/' } }, 'registries.allowed: expected a list, got "https://registry.npmjs.org/"'],
  [{ packages: { deny: ['ok', 7] } }, 'packages.deny.1: expected string, got 7'],
  [{ sources: { git: 'sometimes' } }, 'sources.git: expected one of "none", "direct", "all", got "sometimes"'],
  [{ scripts: { allow: { esbuild: 'yes' } } }, 'scripts.allow.esbuild: expected boolean, got "yes"'],
  [{ exceptions: [{ package: 'a', rule: 'packages' }] }, 'exceptions.0.reason: expected string, got nothing'],
  [{ exceptions: [{ package: 'a', rule: 'packages', reason: 'r', expires: '31/12/2026' }] }, 'exceptions.0.expires: expected a date like "2026-12-31", got "31/12/2026"'],
  [{ exceptions: [{ package: 'a', rule: 'typo', reason: 'r' }] }, 'exceptions.0.rule: expected one of'],
  [{ unknownTopLevel: true }, 'unknownTopLevel: unknown setting'],
  [[], 'a policy must be a JSON object'],
]

for (const [input, expected] of INVALID) {
  test(`invalid policy ${JSON.stringify(input)} names the key path`, async () => {
    try {
      await validatePolicy(input, 'policy.json')
      assert.unreachable('should have thrown')
    } catch (error: any) {
      assert.is(error.code, error.code === 'EPOLICYINVALID' ? 'EPOLICYINVALID' : 'not a policy error')
      assert.is(error.exitCode, 2)
      assert.ok(error.message.startsWith('policy.json: '), error.message)
      assert.ok(error.message.includes(expected), `${error.message}\n  should include\n${expected}`)
      assert.not.ok(error.message.includes('\n'), 'one line')
    }
  })
}

test('several problems: the error line counts them and names the first, each other one is a detail line', async () => {
  try {
    await validatePolicy({ rules: { packages: 'x' }, sources: { git: 'y' }, minimumReleaseAge: { age: '3 days' } }, 'p.json')
    assert.unreachable('should have thrown')
  } catch (error: any) {
    assert.is(error.code, 'EPOLICYINVALID')
    assert.match(error.message, /^p\.json: 3 problems: rules\.packages: /)
    assert.not.ok(error.message.includes('\n'), 'one line')
    assert.is(error.detail.length, 2)
    assert.ok(error.detail.every((line: string) => line.startsWith('p.json: ')), error.detail.join('\n'))
    assert.ok(error.detail.some((line: string) => line.includes('sources.git')), error.detail.join('\n'))
    assert.ok(error.detail.some((line: string) => line.includes('minimumReleaseAge.age')), error.detail.join('\n'))
  }
})

test('one problem: one line, no count', async () => {
  try {
    await validatePolicy({ rules: { packages: 'x' } }, 'p.json')
    assert.unreachable('should have thrown')
  } catch (error: any) {
    assert.match(error.message, /^p\.json: rules\.packages: /)
    assert.equal(error.detail, [])
  }
})

test('durations', () => {
  assert.is(parseDuration('36h'), 36 * 3600_000)
  assert.is(parseDuration('3d'), 3 * 86400_000)
  assert.is(parseDuration('2w'), 14 * 86400_000)
  assert.is(parseDuration('90m'), 90 * 60_000)
  assert.throws(() => parseDuration('3 days'))
})

test('policy.example.json is a valid policy that covers every setting', async () => {
  const example = JSON.parse(readFileSync(new URL('policy.example.json', repo), 'utf8'))
  await validatePolicy(example, 'policy.example.json')
  const schema = policyJsonSchema() as any
  for (const key of Object.keys(schema.properties)) assert.ok(key in example, `policy.example.json does not show ${key}`)
  for (const section of ['registries', 'packages', 'minimumReleaseAge', 'scripts', 'sources']) {
    for (const key of Object.keys(schema.properties[section].properties)) {
      assert.ok(key in example[section], `policy.example.json does not show ${section}.${key}`)
    }
  }
  for (const rule of Object.keys(schema.properties.rules.properties)) assert.ok(rule in example.rules, `no severity for ${rule}`)
  assert.is(example.$schema, './policy.schema.json')
})

test('policy.schema.json agrees with the schema in lib/policy/schema.ts (npm run schema regenerates it)', () => {
  const shipped = JSON.parse(readFileSync(new URL('policy.schema.json', repo), 'utf8'))
  assert.equal(shipped, policyJsonSchema())
})

test.run()
