// Fuzzing the judge: every real rule over random (well-typed, adversarial)
// package views and facts under the default policy and a few strict ones.
// judge() must never throw, and every finding must be well-formed text.
import fc from 'fast-check'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { judge, prepareRules } from '../../lib/engine/judge.ts'
import type { Advisory, PackageFacts, PackageView, ProbeAnswer, RuleContext, SourceKind, VersionFacts } from '../../lib/model/rule.ts'
import { mergeWithFloor } from '../../lib/policy/merge.ts'
import type { PolicyDocument } from '../../lib/policy/schema.ts'
import { RULES, RULE_IDS } from '../../lib/rules/index.ts'
import { fuzzOptions } from './fuzz-runs.ts'

// What the rules judge with (the typosquat index), loaded as the engine loads it
// (in a hook: `npm run fuzz` loads this file as CommonJS, without top-level await).
test.before(() => prepareRules(RULES))

const NOW = new Date('2026-11-27T12:00:00Z')
const REGISTRY = 'https://registry.npmjs.org/'

const name = fc.oneof(
  fc.constantFrom('left-pad', 'lodash', 'loadsh', 'react', 'raect', '@acme/ui', '@evil/x', 'event-stream', 'acme-billing', 'crossenv', '', '*', '@', '@/', '__proto__', 'constructor', 'toString', 'a'.repeat(300)),
  fc.string({ maxLength: 12 }),
)
const version = fc.oneof(fc.constantFrom('1.0.0', '1.3.0', '9999.0.0', '0.0.0-beta.1', '1.0.0+build', 'latest', '', 'x.y.z', '01.2.3'), fc.string({ maxLength: 8 }))
const range = fc.oneof(fc.constantFrom('^1.0.0', '*', 'latest', 'github:a/b', 'file:../x', 'npm:other@1', '>=1 <2 || 3', ''), fc.string({ maxLength: 8 }))
const url = fc.oneof(
  fc.constantFrom(
    `${REGISTRY}left-pad/-/left-pad-1.3.0.tgz`,
    'https://evil.example/x/-/x-1.0.0.tgz',
    'http://npm.acme.example/a/-/a-1.0.0.tgz',
    'http://127.0.0.1:4873/a/-/a-1.0.0.tgz',
    'git+ssh://git@github.com/a/b.git#abc',
    'file:../x',
    'https://',
    'not a url',
    '',
  ),
  fc.string({ maxLength: 12 }),
)
const date = fc.oneof(
  fc.date({ min: new Date(-8.64e15), max: new Date(8.64e15), noInvalidDate: true }),
  fc.integer({ min: -5 * 86_400_000, max: 400 * 86_400_000 }).map((ago) => new Date(NOW.getTime() - ago)),
)
const text = fc.oneof(fc.string({ maxLength: 16 }), fc.constantFrom('security holding package', '{name}', '{version}', '//registry.npmjs.org/:_authToken=npm_abcdef', ''))
const scripts = fc.dictionary(fc.constantFrom('preinstall', 'install', 'postinstall', 'prepare', 'test', '__proto__'), fc.oneof(text, fc.constant('node-gyp rebuild')), { maxKeys: 3 })
const sources: SourceKind[] = ['registry', 'git', 'remote', 'file', 'directory', 'workspace', 'root', 'bundled']

const view: fc.Arbitrary<PackageView> = fc
  .record({
    name,
    version,
    location: fc.oneof(name.map((n) => `node_modules/${n}`), fc.constant('')),
    resolved: fc.option(url),
    integrity: fc.option(fc.oneof(fc.constant('sha512-x'), text)),
    source: fc.constantFrom(...sources),
    isDirect: fc.boolean(),
    path: fc.array(name, { maxLength: 4 }),
    spec: fc.option(range),
    isFromLockfile: fc.boolean(),
    isDev: fc.boolean(),
    isOptional: fc.boolean(),
    scripts,
    hasInstallScript: fc.boolean(),
    hasBindingGyp: fc.boolean(),
    requestedRanges: fc.array(range, { maxLength: 3 }),
    projectRange: fc.option(range),
    deprecated: fc.option(text),
  })
  .chain((base) =>
    fc.option(fc.array(text, { minLength: 1, maxLength: 2 })).map((problems) => (problems ? { ...base, dataProblems: problems } : base)),
  )

const versionFacts: fc.Arbitrary<VersionFacts> = fc.record({
  version,
  publishedAt: fc.option(date),
  publisher: fc.option(fc.oneof(fc.constantFrom('alice', 'mallory'), text)),
  scripts: fc.dictionary(fc.constantFrom('preinstall', 'install', 'postinstall'), text, { maxKeys: 3 }),
  hasProvenance: fc.boolean(),
  hasTrustedPublisher: fc.boolean(),
  deprecated: fc.option(text),
  description: fc.option(text),
})

const advisory: fc.Arbitrary<Advisory> = fc.record(
  {
    id: fc.oneof(fc.constantFrom('MAL-2021-2001', 'GHSA-x'), text),
    source: fc.constantFrom('osv-api', 'registry-advisories', 'deny-list:x.txt'),
    summary: text,
    isMalware: fc.boolean(),
    severity: fc.constantFrom('low', 'moderate', 'high', 'critical', 'unknown', ''),
    url: url,
  },
  { requiredKeys: ['id', 'source', 'summary', 'isMalware'] },
)

/** Facts for a view: known (its version listed or not), unverifiable or not applicable, with advisories and provenance now and then. */
const factsFor = (pkg: PackageView): fc.Arbitrary<PackageFacts> =>
  fc.oneof(
    fc
      .record({
        versions: fc.array(versionFacts, { maxLength: 5 }),
        current: fc.option(versionFacts.map((facts) => ({ ...facts, version: pkg.version }))),
        distTags: fc.dictionary(fc.constantFrom('latest', 'next'), version, { maxKeys: 2 }),
        advisories: fc.option(fc.array(advisory, { maxLength: 2 })),
        provenance: fc.option(fc.record({ state: fc.constantFrom('verified', 'missing', 'invalid', 'unknown'), detail: text })),
      })
      .map(({ versions, current, distTags, advisories, provenance }): PackageFacts => ({
        status: 'known',
        version: current ?? undefined,
        versions: current ? [...versions, current] : versions,
        distTags,
        ...(advisories ? { advisories } : {}),
        ...(provenance ? { provenance } : {}),
      })),
    fc.record({ reason: fc.option(text) }).map(({ reason }): PackageFacts => ({ status: 'unverifiable', ...(reason === null ? {} : { reason }) })),
    fc.constant<PackageFacts>({ status: 'not-applicable' }),
  )

const tree = fc.array(view.chain((pkg) => factsFor(pkg).map((facts) => ({ pkg, facts }))), { maxLength: 4 })

const probe: fc.Arbitrary<ProbeAnswer> = fc.record({ name, kind: fc.constantFrom('name', 'scope'), state: fc.constantFrom('claimed', 'free', 'unknown'), detail: text })

/** The default policy, and a strict one that turns on everything with patterns that match broadly. */
const POLICIES: PolicyDocument[] = [
  {},
  {
    rules: Object.fromEntries(RULE_IDS.map((id) => [id, 'block'])),
    registries: { allowed: [REGISTRY, 'http://npm.acme.example/'], scopes: { '@acme': 'https://npm.acme.example/' }, private: { 'acme-*': 'https://npm.acme.example/' } },
    packages: { deny: ['@evil/*', 'event-stream@3.3.6', '*@>=9999'], allow: [] },
    minimumReleaseAge: { age: '3653d', exclude: ['left-*@^1'], missingTime: 'warn' },
    scripts: { allow: { 'left-pad': true, '*@^1': false }, npmAllowScripts: true, content: 'block' },
    sources: { git: 'none', remote: 'none', file: 'all', directory: 'direct' },
    intel: { vulnerabilities: 'low' },
    provenance: { require: ['*'] },
    dependencyConfusion: { claimed: ['acme-billing'] },
    exceptions: [
      { package: 'left-pad', rule: 'minimum-release-age', reason: 'fuzz' },
      { package: '*', rule: 'typosquatting', reason: 'expired', expires: '2000-01-01' },
    ],
  },
  { rules: Object.fromEntries(RULE_IDS.map((id) => [id, 'off'])) },
]
const effective = POLICIES.map((document) => mergeWithFloor([], [{ source: 'fuzz', isOrganisation: false, document }]).policy)

const context = fc.record({
  policyIndex: fc.nat(effective.length - 1),
  now: fc.oneof(fc.constant(NOW), date),
  npmAllowScripts: fc.option(fc.dictionary(name, fc.boolean(), { maxKeys: 2 })),
  project: fc.record({ name, version }),
  feedProblems: fc.array(fc.record({ feed: text, reason: text }), { maxLength: 2 }),
  probes: fc.array(probe, { maxLength: 2 }),
  rewritesNpmjs: fc.boolean(),
})

test('judge() never throws over random packages, facts and contexts, and every finding is well-formed', () => {
  fc.assert(
    fc.property(tree, context, (entries, extra) => {
      const packages = entries.map(({ pkg }) => pkg)
      const facts = new Map(entries.map(({ pkg, facts }) => [pkg.location, facts]))
      const ruleContext: RuleContext = {
        policy: effective[extra.policyIndex],
        now: extra.now,
        configuredRegistries: [REGISTRY],
        defaultRegistry: REGISTRY,
        scopedRegistries: { '@acme': 'https://npm.acme.example/' },
        rewritesNpmjs: extra.rewritesNpmjs,
        npmAllowScripts: extra.npmAllowScripts,
        project: extra.project,
        run: { feedProblems: extra.feedProblems, probes: extra.probes },
      }
      const judgement = judge(packages, facts, RULES, ruleContext)
      assert.is(judgement.packageCount, packages.length)
      for (const finding of judgement.findings) {
        assert.ok(finding.severity === 'block' || finding.severity === 'warn')
        assert.match(finding.code, /^[a-z-]+\/[a-z-]+$/)
        assert.type(finding.message, 'string')
        assert.not.match(finding.message, /\[object Object\]|Invalid Date|NaN/, finding.message)
      }
      assert.is(judgement.isBlocked, judgement.findings.some((finding) => finding.severity === 'block'))
    }),
    fuzzOptions(150),
  )
})

test.run()
