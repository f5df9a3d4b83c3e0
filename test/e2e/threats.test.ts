// Historical supply-chain incidents rebuilt as fixture-registry scenarios with
// their real shape. Each is blocked by the heuristic rules with every malware
// feed switched off, and again by known-malware/reported as soon as a feed (a
// deny list file, or the registry's bulk advisory endpoint) lists it. The CLI
// runs in-process (the judgement is the subject); the event-stream install,
// whose postinstall must never run, through the real binary.
import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  loadFixturePackages,
  startRegistry,
  type BulkAdvisories,
  type FixturePackage,
  type FixtureRegistry,
} from '../helpers/fixture-registry.js';
import {
  assertExit,
  assertFinding,
  assertNoFinding,
  codes,
  explain,
  findingsOf,
  installedPackages,
  sandbox,
  startHarness,
  type Harness,
  type SandboxOptions,
} from './support.js';

interface Context {
  /** The "public" registry every sandbox uses by default. */
  harness: Harness;
  /** A company registry holding the private acme-billing 1.x. */
  privateRegistry: FixtureRegistry;
}

const threats = suite<Context>('e2e: threats');

const PACKAGES = [
  'stream-utils',
  'flatmap-helper',
  'acme-billing',
  'jqeury',
  'some-removed-pkg',
  'trust-drop',
  'attested-lib',
  'lodash-lite',
  'left-pad',
  'tiny-dep',
  'with-dep',
];

const privatePackages = (): FixturePackage[] =>
  JSON.parse(readFileSync(new URL('../fixtures/intel/e2e/private-registry.json', import.meta.url), 'utf8'));

threats.before(async (context) => {
  context.harness = await startHarness(PACKAGES, { runner: 'in-process' });
  context.privateRegistry = await startRegistry(privatePackages());
});
threats.after.each(({ harness, privateRegistry }) => {
  harness.registry.setAdvisories(null);
  privateRegistry.setAdvisories(null);
});
threats.after(async (context) => {
  await context.harness.close();
  await context.privateRegistry.close();
});

const POLICY = '.safe-npmrc.json';
/** Every malware feed off: the default policy has only the registry's advisories on. */
const FEEDS_OFF = { registryAdvisories: false };

const manifest = (dependencies: Record<string, string>) => ({ name: 'app', version: '1.0.0', private: true, dependencies });

/** A sandbox with package.json and a policy; feeds off unless the policy says otherwise. */
async function project(
  harness: Harness,
  dependencies: Record<string, string>,
  policy: Record<string, any> = {},
  extraFiles: Record<string, string | object> = {},
  options: SandboxOptions = {},
) {
  return sandbox(
    harness,
    { 'package.json': manifest(dependencies), [POLICY]: { ...policy, intel: { ...FEEDS_OFF, ...policy.intel } }, ...extraFiles },
    options,
  );
}

/** A harness over another registry, sharing the main harness' temp-dir clean-up. */
function harnessOver(registry: FixtureRegistry, main: Harness): Harness {
  return {
    registry,
    runner: main.runner,
    dirs: main.dirs,
    tempDir: main.tempDir,
    close: () => registry.close(),
  };
}

function assertBlockedBy(result: Awaited<ReturnType<Awaited<ReturnType<typeof sandbox>>['safeNpmJson']>>, code: string, name?: string): any {
  assertExit(result, 1, code);
  const finding = assertFinding(result, code, name);
  assert.is(finding.severity, 'block', `${code} blocks\n${explain(result)}`);
  assert.is(result.report.result, 'blocked');
  return finding;
}

function malwareAdvisory(name: string, ghsa: string): BulkAdvisories {
  return {
    [name]: [
      {
        id: 1,
        title: `Malware in ${name}`,
        severity: 'critical',
        vulnerable_versions: '*',
        cwe: ['CWE-506'],
        url: `https://github.com/advisories/${ghsa}`,
      },
    ],
  };
}

interface FeedCase {
  /** Dependencies of the project. */
  dependencies: Record<string, string>;
  /** The package the feeds list, and the version the tree resolves. */
  name: string;
  version: string;
  /** The deny-list line naming it. */
  denyLine: string;
  ghsa: string;
  /** The heuristic rules that block it without feeds, switched off here so that the feed alone must block. */
  heuristics: string[];
  policy?: Record<string, any>;
}

/**
 * The scenario is blocked by known-malware/reported from a deny list file and,
 * separately, from the registry's bulk advisory endpoint, with the heuristic
 * rules that catch it without feeds switched off.
 */
async function assertFeedsBlock(harness: Harness, feedCase: FeedCase): Promise<void> {
  const rules = { ...Object.fromEntries(feedCase.heuristics.map((rule) => [rule, 'off'])), ...feedCase.policy?.rules };

  const listed = await project(
    harness,
    feedCase.dependencies,
    { ...feedCase.policy, rules, intel: { registryAdvisories: false, denyLists: ['./blocked.txt'] } },
    { 'blocked.txt': `# incident list kept by the security team\n${feedCase.denyLine}\n` },
  );
  const fromList = await listed.safeNpmJson(['check']);
  const listFinding = assertBlockedBy(fromList, 'known-malware/reported', feedCase.name);
  assert.is(listFinding.package.version, feedCase.version);
  assert.is(listFinding.data.source, 'deny-list:./blocked.txt', explain(fromList));
  for (const rule of feedCase.heuristics) {
    assert.not.ok(codes(fromList.report).some((code) => code.startsWith(`${rule}/`)), `${rule} is off: ${codes(fromList.report)}`);
  }

  harness.registry.setAdvisories(malwareAdvisory(feedCase.name, feedCase.ghsa));
  harness.registry.advisoryRequests.length = 0;
  const advised = await project(harness, feedCase.dependencies, { ...feedCase.policy, rules, intel: { registryAdvisories: true } });
  const fromRegistry = await advised.safeNpmJson(['check']);
  const advisoryFinding = assertBlockedBy(fromRegistry, 'known-malware/reported', feedCase.name);
  assert.is(advisoryFinding.package.version, feedCase.version);
  assert.is(advisoryFinding.data.source, 'registry-advisories');
  assert.is(advisoryFinding.data.summary, `Malware in ${feedCase.name}`);
  assert.match(advisoryFinding.hint ?? '', feedCase.ghsa);
  assert.ok(
    harness.registry.advisoryRequests.some((body) => body[feedCase.name]?.includes(feedCase.version)),
    `the registry was asked about ${feedCase.name}@${feedCase.version}: ${JSON.stringify(harness.registry.advisoryRequests)}`,
  );
}

// 1. event-stream (2018): a trusted package handed to a new maintainer, whose
// patch release adds a dependency on a fresh package with hidden code.

threats('event-stream shape: stream-utils@3.3.6 (new publisher) pulls in the 6-hour-old flatmap-helper@0.1.1 → minimum-release-age blocks; install writes nothing and runs no script', async ({ harness }) => {
  // The binary: a postinstall that did run would get the sandbox's marker dir only there.
  const box = await project(harness, { 'stream-utils': '^3.3.0' }, {}, {}, { runner: 'binary' });
  const result = await box.safeNpmJson(['install']);
  const finding = assertBlockedBy(result, 'minimum-release-age/too-young', 'flatmap-helper');
  assert.is(finding.package.version, '0.1.1');
  assert.equal(finding.path, ['app', 'stream-utils', 'flatmap-helper'], 'the transitive dependency is judged');
  // 3.3.6 is five days old: only its new dependency is too young.
  assertNoFinding(result, 'minimum-release-age/too-young', 'stream-utils');
  const publisher = assertFinding(result, 'publisher-change/new-publisher', 'stream-utils');
  assert.is(publisher.severity, 'warn');
  assert.is(publisher.package.version, '3.3.6');
  assert.is(publisher.data.publisher, 'right9ctrl');
  assert.match(String(publisher.data.previous), /dominictarr/);
  assert.is((await installedPackages(box.dir)).size, 0, 'nothing installed');
  assert.not.ok(box.markerExists('flatmap-helper-ran.txt'), 'the obfuscated postinstall never ran');
});

threats('event-stream shape with minimum-release-age off: the takeover rule blocks stream-utils@3.3.6 with its signals; without it new-install-script and publisher-change are warnings, and block when the policy says so', async ({ harness }) => {
  const ageOff = { 'minimum-release-age': 'off' };
  const blocked = await (await project(harness, { 'stream-utils': '^3.3.0' }, { rules: ageOff })).safeNpmJson(['check']);
  const takeover = assertBlockedBy(blocked, 'takeover/takeover-pattern', 'stream-utils');
  assert.is(takeover.package.version, '3.3.6');
  assert.equal(String(takeover.data.signalIds).split(','), ['new-publisher', 'install-script', 'young-dependency', 'cadence']);
  assert.match(takeover.message, /its new dependency flatmap-helper has an install script/);
  assert.is(takeover.data.previous, '3.3.5');

  const warned = await (await project(harness, { 'stream-utils': '^3.3.0' }, { rules: { ...ageOff, takeover: 'off' } })).safeNpmJson(['check']);
  assertExit(warned, 0, 'only warnings');
  assert.is(warned.report.result, 'warnings');
  const script = assertFinding(warned, 'new-install-script/script-added', 'flatmap-helper');
  assert.is(script.severity, 'warn');
  assert.is(script.package.version, '0.1.1');
  assert.is(script.data.previous, 'flatmap-helper@0.1.0');
  assert.match(String(script.data.commands), /postinstall: node setup\.min\.js/);
  assert.is(assertFinding(warned, 'publisher-change/new-publisher', 'stream-utils').severity, 'warn');
  assert.is(assertFinding(warned, 'install-scripts/unreviewed', 'flatmap-helper').severity, 'warn');
  assertNoFinding(warned, 'minimum-release-age/too-young');

  const byPublisher = await (await project(harness, { 'stream-utils': '^3.3.0' }, { rules: { ...ageOff, takeover: 'off', 'publisher-change': 'block' } })).safeNpmJson(['check']);
  const change = assertBlockedBy(byPublisher, 'publisher-change/new-publisher', 'stream-utils');
  assert.is(change.package.version, '3.3.6');

  const byScript = await (await project(harness, { 'stream-utils': '^3.3.0' }, { rules: { ...ageOff, takeover: 'off', 'new-install-script': 'block' } })).safeNpmJson(['check']);
  assertBlockedBy(byScript, 'new-install-script/script-added', 'flatmap-helper');
});

threats('event-stream shape, hours after the hijack: ^3.3.0 resolves the mature 3.3.5 (no flatmap-helper at all); the exact pin 3.3.6 is blocked for both packages', async ({ harness }) => {
  const hoursOld = loadFixturePackages(['stream-utils', 'flatmap-helper']).map((pkg) =>
    pkg.name !== 'stream-utils'
      ? pkg
      : { ...pkg, versions: pkg.versions.map((v) => (v.version === '3.3.6' ? { ...v, publishedAt: new Date(Date.now() - 3 * 3_600_000).toISOString() } : v)) },
  );
  const fresh = harnessOver(await startRegistry(hoursOld), harness);
  try {
    const ranged = await (await project(fresh, { 'stream-utils': '^3.3.0' })).safeNpmJson(['check']);
    assertExit(ranged, 0, 'the age gate picks 3.3.5');
    assert.equal(codes(ranged.report), []);
    assert.is(ranged.report.packageCount, 1, `only stream-utils@3.3.5 is in the tree\n${explain(ranged)}`);

    const pinned = await (await project(fresh, { 'stream-utils': '3.3.6' })).safeNpmJson(['check']);
    assert.is(assertBlockedBy(pinned, 'minimum-release-age/too-young', 'stream-utils').package.version, '3.3.6');
    assertBlockedBy(pinned, 'minimum-release-age/too-young', 'flatmap-helper');
  } finally {
    await fresh.close();
  }
});

threats('event-stream shape listed by a feed → known-malware/reported (deny list file; registry malware advisory)', async ({ harness }) => {
  await assertFeedsBlock(harness, {
    dependencies: { 'stream-utils': '^3.3.0' },
    name: 'flatmap-helper',
    version: '0.1.1',
    denyLine: 'flatmap-helper@0.1.1   # hidden payload targeting a wallet app',
    ghsa: 'GHSA-9x64-5r7x-2q53',
    heuristics: ['minimum-release-age', 'new-install-script', 'publisher-change'],
  });
});

// 2. Dependency confusion (2021): a private unscoped name published on the
// public registry with a huge version.

threats('dependency confusion: acme-billing routed to the public registry resolves its 9.9.9 → registries/private-name-elsewhere and suspicious-version/version-jump', async ({ harness, privateRegistry }) => {
  const box = await project(harness, { 'acme-billing': '*' }, { registries: { private: { 'acme-*': privateRegistry.url } } });
  const result = await box.safeNpmJson(['check']);
  const elsewhere = assertBlockedBy(result, 'registries/private-name-elsewhere', 'acme-billing');
  assert.is(elsewhere.package.version, '9.9.9');
  assert.is(elsewhere.data.pattern, 'acme-*');
  assert.is(elsewhere.data.registry, privateRegistry.url);
  assert.ok(String(elsewhere.data.url).startsWith(harness.registry.url), explain(result));
  const jump = assertBlockedBy(result, 'suspicious-version/version-jump', 'acme-billing');
  assert.is(jump.package.version, '9.9.9');
  assert.is(jump.data.from, '1.0.0');
  assert.equal(privateRegistry.requests.filter((request) => request.name === 'acme-billing'), [], 'the private registry was never asked');
});

threats('dependency confusion: routed to the private registry the tree is clean; check --probe reports the name claimed publicly (block) and a free private name to claim (warn)', async ({ harness, privateRegistry }) => {
  const company = harnessOver(privateRegistry, harness);
  const policy = {
    registries: { private: { 'acme-*': privateRegistry.url, 'acme-ledger': privateRegistry.url } },
    dependencyConfusion: { publicRegistry: harness.registry.url },
  };
  const box = await project(company, { 'acme-billing': '^1.0.0' }, policy);
  harness.registry.requests.length = 0;
  const clean = await box.safeNpmJson(['check']);
  assertExit(clean, 0, 'routed right');
  assert.equal(codes(clean.report), []);
  assert.equal(harness.registry.requests, [], 'without --probe the public registry hears nothing of the private names');

  const probed = await box.safeNpmJson(['check', '--probe']);
  const claimed = assertBlockedBy(probed, 'dependency-confusion/claimed-publicly');
  assert.is(claimed.data.name, 'acme-billing');
  assert.match(String(claimed.data.detail), /9\.9\.9/);
  const free = findingsOf(probed.report, 'dependency-confusion/claim-it');
  assert.equal(free.map((finding) => [finding.data.name, finding.severity]), [['acme-ledger', 'warn']], explain(probed));
  const asked = [...new Set(harness.registry.requests.filter((request) => request.kind === 'packument').map((request) => request.name))].sort();
  assert.equal(asked, ['acme-billing', 'acme-ledger'], 'only the private names were probed');
});

threats('check --probe asks about a pinned scope as an organisation: free → a warning to claim it', async ({ harness, privateRegistry }) => {
  const company = harnessOver(privateRegistry, harness);
  const policy = {
    registries: { scopes: { '@acme': privateRegistry.url }, allowed: [privateRegistry.url, harness.registry.url] },
    dependencyConfusion: { publicRegistry: harness.registry.url },
  };
  const box = await project(company, { 'acme-billing': '^1.0.0' }, policy);
  harness.registry.requests.length = 0;
  const probed = await box.safeNpmJson(['check', '--probe']);
  assertExit(probed, 0, explain(probed));
  const free = findingsOf(probed.report, 'dependency-confusion/claim-it');
  assert.equal(free.map((finding) => [finding.data.name, finding.data.kind, finding.severity]), [['@acme', 'scope', 'warn']], explain(probed));
  assert.ok(harness.registry.requests.some((request) => request.path === '/-/org/acme/package'), 'the organisation was asked about');
});

threats('dependency confusion listed by a feed → known-malware/reported (deny list file; registry malware advisory)', async ({ harness }) => {
  await assertFeedsBlock(harness, {
    dependencies: { 'acme-billing': '*' },
    name: 'acme-billing',
    version: '9.9.9',
    denyLine: 'acme-billing@>=9.0.0',
    ghsa: 'GHSA-4w2j-2rg4-5mjw',
    heuristics: ['suspicious-version'],
  });
});

// 3. Typosquatting (jqeury, crossenv): a name one slip from a popular one.

threats('typosquat: jqeury (two letters of jquery swapped) → typosquatting/imitates, blocked; allowed with typosquatting.allow', async ({ harness }) => {
  const blocked = await (await project(harness, { jqeury: '^3.4.0' })).safeNpmJson(['check']);
  const finding = assertBlockedBy(blocked, 'typosquatting/imitates', 'jqeury');
  assert.is(finding.data.imitates, 'jquery');
  assert.is(finding.data.technique, 'two characters swapped');

  const allowed = await (await project(harness, { jqeury: '^3.4.0' }, { typosquatting: { allow: ['jqeury'] } })).safeNpmJson(['check']);
  assertExit(allowed, 0, 'allowed by name');
  assertNoFinding(allowed, 'typosquatting/imitates');
  assert.is(allowed.report.result, 'clean');
});

threats('typosquat listed by a feed → known-malware/reported (deny list file; registry malware advisory)', async ({ harness }) => {
  await assertFeedsBlock(harness, {
    dependencies: { jqeury: '^3.4.0' },
    name: 'jqeury',
    version: '3.4.1',
    denyLine: 'jqeury',
    ghsa: 'GHSA-8c7w-9hx5-3pqw',
    heuristics: ['typosquatting'],
  });
});

// 4. The registry's placeholder for a package it removed as malware.

threats('security holding package: some-removed-pkg@0.0.1-security → security-holder/holding-package; install writes nothing', async ({ harness }) => {
  const box = await project(harness, { 'left-pad': '^1.0.0' });
  const result = await box.safeNpmJson(['install', 'some-removed-pkg']);
  const finding = assertBlockedBy(result, 'security-holder/holding-package', 'some-removed-pkg');
  assert.is(finding.package.version, '0.0.1-security');
  assert.is((await installedPackages(box.dir)).size, 0, 'nothing installed');
});

threats('security holding package listed by a feed → known-malware/reported (deny list file; registry malware advisory)', async ({ harness }) => {
  await assertFeedsBlock(harness, {
    dependencies: { 'some-removed-pkg': 'latest' },
    name: 'some-removed-pkg',
    version: '0.0.1-security',
    denyLine: 'some-removed-pkg',
    ghsa: 'GHSA-5q88-cjfq-g2mh',
    heuristics: ['security-holder'],
  });
});

// 5. Trust signals (ua-parser-js, a stolen token): a release without the
// provenance and trusted publisher its predecessors had.

threats('trust signals: trust-drop@1.2.0 lost provenance and its trusted publisher → trust-downgrade/lost-signal warns, and blocks when the policy says so', async ({ harness }) => {
  const warned = await (await project(harness, { 'trust-drop': '^1.0.0' })).safeNpmJson(['check']);
  assertExit(warned, 0, 'warn by default');
  const lost = findingsOf(warned.report, 'trust-downgrade/lost-signal', 'trust-drop');
  assert.is(lost.length, 2, `provenance and trusted publisher: ${explain(warned)}`);
  for (const finding of lost) {
    assert.is(finding.severity, 'warn');
    assert.is(finding.package.version, '1.2.0');
    assert.is(finding.data.lastVersionWith, 'trust-drop@1.1.0');
  }

  const blocked = await (await project(harness, { 'trust-drop': '^1.0.0' }, { rules: { 'trust-downgrade': 'block' } })).safeNpmJson(['check']);
  assertBlockedBy(blocked, 'trust-downgrade/lost-signal', 'trust-drop');
});

threats('trust signals: provenance.require on trust-drop → provenance/missing; a deprecated version → deprecated/deprecated warning', async ({ harness }) => {
  const result = await (
    await project(harness, { 'trust-drop': '^1.0.0', 'lodash-lite': '^1.0.0' }, { provenance: { require: ['trust-drop'] } })
  ).safeNpmJson(['check']);
  assert.is(assertBlockedBy(result, 'provenance/missing', 'trust-drop').package.version, '1.2.0');
  const deprecated = assertFinding(result, 'deprecated/deprecated', 'lodash-lite');
  assert.is(deprecated.severity, 'warn');
  assert.is(deprecated.package.version, '1.1.0');
  assert.match(String(deprecated.data.reason), /no longer maintained/);
});

threats('trust signals: a version with provenance whose registry signature does not verify → provenance/invalid', async ({ harness }) => {
  harness.registry.requests.length = 0;
  const result = await (
    await project(harness, { 'attested-lib': '2.1.1' }, { provenance: { require: ['attested-lib'] } })
  ).safeNpmJson(['check']);
  const finding = assertBlockedBy(result, 'provenance/invalid', 'attested-lib');
  assert.is(finding.package.version, '2.1.1');
  assert.match(String(finding.data.detail), /EINTEGRITYSIGNATURE/);
  assert.ok(harness.registry.requests.some((request) => request.kind === 'keys'), 'the registry keys were read');
});

threats('trust signals: a correctly signed version with provenance is not invalid; offline its attestation bundle cannot be read → provenance/unverified', async ({ harness }) => {
  const result = await (
    await project(harness, { 'attested-lib': '2.1.0' }, { provenance: { require: ['attested-lib'] } })
  ).safeNpmJson(['check']);
  assertNoFinding(result, 'provenance/invalid');
  assertNoFinding(result, 'provenance/missing');
  const finding = assertFinding(result, 'provenance/unverified', 'attested-lib');
  assert.is(finding.package.version, '2.1.0');
  assert.not.match(String(finding.data.detail), /SIGNATURE/, 'the registry signature itself verified');
});

threats('trust signals: a required package whose registry signature does not verify → provenance/invalid, even when it has no provenance to check', async ({ harness }) => {
  // attested-lib@2.2.0: no dist.attestations, and a registry signature made over another integrity.
  // The rule promises that required packages carry "a provenance attestation and a registry
  // signature that verify": a signature that fails is tampering, not merely missing provenance.
  harness.registry.requests.length = 0;
  const result = await (
    await project(harness, { 'attested-lib': '2.2.0' }, { provenance: { require: ['attested-lib'] } })
  ).safeNpmJson(['check']);
  assertExit(result, 1);
  const finding = assertBlockedBy(result, 'provenance/invalid', 'attested-lib');
  assert.match(String(finding.data.detail), /EINTEGRITYSIGNATURE/);
  assert.ok(harness.registry.requests.some((request) => request.kind === 'keys'), 'the registry keys were read to check the signature');
  assertFinding(result, 'trust-downgrade/lost-signal', 'attested-lib');
});

threats('trust signals listed by a feed → known-malware/reported (deny list file; registry malware advisory)', async ({ harness }) => {
  await assertFeedsBlock(harness, {
    dependencies: { 'trust-drop': '^1.0.0' },
    name: 'trust-drop',
    version: '1.2.0',
    denyLine: 'trust-drop@1.2.0',
    ghsa: 'GHSA-pjwm-rvh2-c87w',
    heuristics: ['trust-downgrade', 'publisher-change', 'new-install-script'],
  });
});

// 6. The baseline: ordinary, popular-looking packages raise nothing.

threats('a legitimate tree (left-pad, with-dep → tiny-dep, lodash-lite 2.x) installs clean: no typosquatting or suspicious-version findings', async ({ harness }) => {
  harness.registry.advisoryRequests.length = 0;
  const box = await sandbox(harness, {
    'package.json': manifest({ 'left-pad': '^1.0.0', 'with-dep': '^1.0.0', 'lodash-lite': '^2.0.0' }),
  });
  const result = await box.safeNpmJson(['install']);
  assertExit(result, 0);
  assert.is(result.report.result, 'clean', explain(result));
  assertNoFinding(result, 'typosquatting/imitates');
  assertNoFinding(result, 'suspicious-version/version-jump');
  const installed = await installedPackages(box.dir);
  assert.is(installed.get('node_modules/left-pad'), '1.3.0');
  assert.is(installed.get('node_modules/tiny-dep'), '1.2.0');
  assert.is(installed.get('node_modules/lodash-lite'), '2.1.0');
  // The default policy asks the registry's advisories about every package of the tree.
  assert.equal(Object.keys(harness.registry.advisoryRequests.at(-1) ?? {}).sort(), ['left-pad', 'lodash-lite', 'tiny-dep', 'with-dep']);
});

threats.run();
