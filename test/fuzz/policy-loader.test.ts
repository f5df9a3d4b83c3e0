// Fuzzing the policy boundary: any document, as a value or as a file on disk,
// either becomes an effective policy or fails with a typed SafeNpmError that
// has a code and a one-line message. Nothing else may escape.
import fc from 'fast-check'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { SafeNpmError } from '../../lib/errors.ts'
import { loadPolicy, validatePolicy } from '../../lib/policy/load.ts'
import { mergeWithFloor } from '../../lib/policy/merge.ts'
import { RULE_IDS } from '../../lib/rules/index.ts'
import { asParsedJson, fuzzOptions, junk, mostly } from './fuzz-runs.ts'

const severity = fc.constantFrom('block', 'warn', 'off')
const duration = fc.oneof(
  fc.tuple(fc.oneof(fc.nat(100), fc.nat(), fc.constant(Number("99999999999999999999"))), fc.constantFrom('m', 'h', 'd', 'w', 'y', '', 'd ')).map(([n, unit]) => `${n}${unit}`),
  fc.constantFrom('3d', '0m', '3653d', '522w', '99999999999999999999w', '1e3d', '-1d'),
  fc.string({ maxLength: 8 }),
)
// Over minimatch's 64 KiB limit; rare, as it is slow to copy around.
const HUGE = 'a'.repeat(65_537)
const pattern = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom('left-pad', '@evil/*', 'event-stream@3.3.6', 'sharp@^0.33', '*', '@', 'a@', '@a@', '**', '!x', '#x', '+(a|b)', 'x@>=1 <2 || 3') },
  { weight: 10, arbitrary: fc.string({ maxLength: 20 }) },
  { weight: 1, arbitrary: fc.constant(HUGE) },
)
const url = fc.oneof(
  fc.constantFrom('https://registry.npmjs.org/', 'http://127.0.0.1:4873/', 'https://npm.acme.example', 'ftp://x/', '', 'https://'),
  fc.string({ maxLength: 12 }).map((rest) => `https://${rest}`),
)
const list = <T>(entry: fc.Arbitrary<T>) => mostly(fc.array(mostly(entry), { maxLength: 4 }))
const map = <T>(key: fc.Arbitrary<string>, value: fc.Arbitrary<T>) => mostly(fc.dictionary(key, mostly(value), { maxKeys: 3 }))
const section = (shape: Record<string, fc.Arbitrary<unknown>>) => mostly(fc.record(shape, { requiredKeys: [] }))

/** Policy-shaped documents: the real keys with good, bad and extreme values, and the odd unknown key. */
const policyDocument = fc.record(
  {
    $schema: mostly(fc.string()),
    extends: fc.oneof(fc.constantFrom('./base.json', './missing.json', 'no-such-package', '../outside.json'), junk),
    rules: map(fc.oneof(fc.constantFrom(...RULE_IDS), fc.string({ maxLength: 6 })), severity),
    registries: section({ allowed: list(url), scopes: map(fc.oneof(fc.constant('@acme'), fc.string({ maxLength: 6 })), url), private: map(pattern, url) }),
    packages: section({ deny: list(pattern), allow: list(pattern) }),
    minimumReleaseAge: section({ age: mostly(duration), exclude: list(pattern), missingTime: mostly(severity) }),
    scripts: section({ allow: map(pattern, fc.boolean()), npmAllowScripts: mostly(fc.boolean()) }),
    sources: section({ git: mostly(fc.constantFrom('none', 'direct', 'all')), remote: junk, file: junk, directory: junk }),
    intel: section({
      registryAdvisories: mostly(fc.boolean()),
      osv: section({ enabled: mostly(fc.boolean()), url: mostly(url) }),
      datasets: list(fc.string()),
      denyLists: list(fc.string()),
      maxAge: mostly(duration),
      unreachable: mostly(fc.constantFrom('block', 'warn')),
      vulnerabilities: mostly(fc.constantFrom('low', 'moderate', 'high', 'critical')),
    }),
    typosquatting: section({ allow: list(fc.string()) }),
    provenance: section({ require: list(pattern) }),
    dependencyConfusion: section({ probe: mostly(fc.boolean()), publicRegistry: mostly(url), claimed: list(fc.string()) }),
    exceptions: list(
      fc.record(
        {
          package: mostly(pattern),
          rule: mostly(fc.constantFrom(...RULE_IDS)),
          reason: mostly(fc.string()),
          expires: mostly(fc.constantFrom('2026-12-31', '2026-13-45', '0000-00-00', '9999-99-99', '2026-1-1')),
        },
        { requiredKeys: [] },
      ),
    ),
    unknownSetting: junk,
  },
  { requiredKeys: [] },
)

/** The loader's contract: a policy, or a SafeNpmError with a code and a one-line message. */
async function expectPolicyOrTypedError(run: () => unknown): Promise<void> {
  try {
    const merged = (await run()) as { policy: { minimumReleaseAge: { ageMs: number }; intel: { maxAgeMs: number } } }
    assert.ok(Number.isFinite(merged.policy.minimumReleaseAge.ageMs), 'ageMs is a finite number')
    assert.ok(Number.isFinite(merged.policy.intel.maxAgeMs), 'maxAgeMs is a finite number')
  } catch (error) {
    if (!(error instanceof SafeNpmError)) throw error
    assert.ok(/^E[A-Z]+$/.test(error.code), `a code: ${error.code}`)
    assert.not.match(error.message, /\n/, 'one line')
    assert.not.match(error.message, /\[object Object\]/, 'no stringified objects')
  }
}

const layer = async (document: unknown, isOrganisation = false) => ({
  source: isOrganisation ? 'org.json' : 'p.json',
  isOrganisation,
  document: await validatePolicy(document, isOrganisation ? 'org.json' : 'p.json'),
})

test('any policy-shaped document validates and merges, or is a typed error', async () => {
  await fc.assert(
    fc.asyncProperty(policyDocument, async (document) => {
      await expectPolicyOrTypedError(async () => mergeWithFloor([], [await layer(asParsedJson(document))]))
    }),
    fuzzOptions(250),
  )
})

test('any pair of documents as organisation floor and project merges, or is a typed error', async () => {
  await fc.assert(
    fc.asyncProperty(policyDocument, policyDocument, async (organisation, project) => {
      await expectPolicyOrTypedError(async () => mergeWithFloor([await layer(asParsedJson(organisation), true)], [await layer(asParsedJson(project))]))
    }),
    fuzzOptions(120),
  )
})

test('any JSON value at all is a policy or a typed error', async () => {
  await fc.assert(
    fc.asyncProperty(fc.oneof(fc.jsonValue(), junk), async (value) => {
      await expectPolicyOrTypedError(async () => mergeWithFloor([], [await layer(value)]))
    }),
    fuzzOptions(300),
  )
})

/** A document written as a file: JSON, JSON damaged at a random place, or YAML-ish text. */
const fileText = fc.oneof(
  policyDocument.map((document) => JSON.stringify(document)),
  fc.tuple(policyDocument, fc.nat(), fc.constantFrom('', '{', '}', '"', ':', '\n', '\u0000', '- ', ': [')).map(([document, at, insert]) => {
    const text = JSON.stringify(document)
    const cut = at % (text.length + 1)
    return `${text.slice(0, cut)}${insert}${text.slice(cut)}`
  }),
  fc.array(fc.tuple(fc.constantFrom('rules', 'extends', 'minimumReleaseAge', 'packages', 'deny', 'age', '- x', '&a', '*a', '!!js/function', '? '), fc.string({ maxLength: 10 })), { maxLength: 5 }).map((lines) =>
    lines.map(([key, value]) => `${key}: ${value}`).join('\n'),
  ),
  fc.string({ maxLength: 40 }),
)

const PLACES = ['.safe-npmrc', '.safe-npmrc.json', '.safe-npmrc.yaml', 'package.json'] as const

test('any policy file on disk (discovered or named) loads, or is a typed error', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'safe-npm-fuzz-policy-'))
  let count = 0
  try {
    await fc.assert(
      fc.asyncProperty(fileText, fc.constantFrom(...PLACES), fc.boolean(), async (text, place, isNamed) => {
        const dir = path.join(root, String(count++))
        const { mkdirSync } = await import('node:fs')
        mkdirSync(dir)
        writeFileSync(path.join(dir, 'base.json'), '{"packages": {"deny": ["x"]}}')
        const content = place === 'package.json' ? `{"name": "app", "safe-npm": ${text}}` : text
        writeFileSync(path.join(dir, place), content)
        try {
          const loaded = await loadPolicy({ cwd: dir, ...(isNamed ? { policyFile: place } : {}) })
          assert.ok(Number.isFinite(loaded.policy.minimumReleaseAge.ageMs))
        } catch (error) {
          if (!(error instanceof SafeNpmError)) throw error
          assert.ok(/^E[A-Z]+$/.test(error.code), `a code: ${error.code}`)
          assert.not.match(error.message, /\n/, 'one line')
        }
      }),
      fuzzOptions(50),
    )
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
})

test.run()
