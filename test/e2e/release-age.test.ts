// minimum-release-age: the gate maps onto resolution, exact pins and lockfile
// entries younger than the limit block, and excludes, exceptions (waived,
// expired, unused) behave as the policy says. The CLI runs in-process: the
// judgement is the subject (e2e/install and e2e/cli run the binary).
import { readFile, rm as rmFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { diffSnapshots, snapshot } from '../helpers/workspace.js';
import {
  assertExit,
  assertFinding,
  assertNoFinding,
  explain,
  fetchedTarballs,
  installedPackages,
  lockedPackages,
  sandbox,
  startHarness,
  type Harness,
} from './support.js';

const age = suite<{ harness: Harness }>('e2e: minimum-release-age');

age.before(async (context) => {
  context.harness = await startHarness(['fresh-pkg', 'fresh-only', 'tiny-dep', 'with-dep', 'left-pad', 'uses-fresh'], { runner: 'in-process' });
});
age.after(async (context) => {
  await context.harness.close();
});

const manifest = (dependencies: Record<string, string>) => ({ name: 'app', version: '1.0.0', private: true, dependencies });
const POLICY = '.safe-npmrc.json';

age('allowed: fresh-pkg@^1.0.0 resolves to the mature 1.0.0, not the 2-hour-old 1.1.0', async ({ harness }) => {
  const box = await sandbox(harness, { 'package.json': manifest({ 'fresh-pkg': '^1.0.0' }) });
  const result = await box.safeNpmJson(['install']);
  assertExit(result, 0);
  assertNoFinding(result, 'minimum-release-age/too-young');
  assert.is((await installedPackages(box.dir)).get('node_modules/fresh-pkg'), '1.0.0');
  assert.is((await lockedPackages(box.dir)).get('node_modules/fresh-pkg'), '1.0.0');
  assert.equal(fetchedTarballs(harness.registry, 'fresh-pkg').filter((spec) => spec !== 'fresh-pkg@1.0.0'), []);
});

age('blocked: an exact pin fresh-pkg@1.1.0 is too young, and the finding names 1.0.0 as the mature alternative', async ({ harness }) => {
  const box = await sandbox(harness, { 'package.json': manifest({ 'fresh-pkg': '1.1.0' }) });
  const result = await box.safeNpmJson(['check']);
  assertExit(result, 1);
  const finding = assertFinding(result, 'minimum-release-age/too-young', 'fresh-pkg');
  assert.is(finding.package.version, '1.1.0');
  assert.is(finding.severity, 'block');
  const text = `${JSON.stringify(finding.data)} ${finding.hint ?? ''}`;
  assert.ok(/fresh-pkg@1\.0\.0/.test(text), `the finding names fresh-pkg@1.0.0 as the mature alternative: ${text}`);

  const before = await snapshot(box.dir);
  const installed = await box.safeNpmJson(['install']);
  assertExit(installed, 1, 'install');
  assertFinding(installed, 'minimum-release-age/too-young', 'fresh-pkg');
  assert.equal(diffSnapshots(before, await snapshot(box.dir)), { added: [], removed: [], changed: [] });
});

age("npm's own min-release-age in .npmrc, as safe-npm init writes it: a too-young pin is the policy's block (exit 1, named), not npm's ETARGET; a stricter npm setting stays npm's", async ({ harness }) => {
  const box = await sandbox(harness, { 'package.json': manifest({ 'fresh-pkg': '1.1.0' }), '.npmrc': 'min-release-age=3\n' });
  const result = await box.safeNpmJson(['install']);
  assertExit(result, 1);
  assert.is(assertFinding(result, 'minimum-release-age/too-young', 'fresh-pkg').package.version, '1.1.0');

  // npm asks for more than the policy (30 days against 3): npm's gate is kept, and npm's error with it.
  const stricter = await sandbox(harness, { 'package.json': manifest({ 'fresh-pkg': '1.1.0' }), '.npmrc': 'min-release-age=30\n' });
  const failed = await stricter.safeNpmJson(['install']);
  assertExit(failed, 3);
  assert.match(failed.stderr, /ETARGET/);
});

age('blocked: fresh-only has no version old enough (install and install <spec>)', async ({ harness }) => {
  const box = await sandbox(harness, { 'package.json': manifest({ 'fresh-only': '^1.0.0' }) });
  const result = await box.safeNpmJson(['install']);
  assertExit(result, 1);
  const finding = assertFinding(result, 'minimum-release-age/too-young', 'fresh-only');
  assert.is(finding.package.version, '1.0.0');

  const other = await sandbox(harness, { 'package.json': manifest({ 'tiny-dep': '^1.0.0' }) });
  const added = await other.safeNpmJson(['install', 'fresh-only']);
  assertExit(added, 1, 'install fresh-only');
  assertFinding(added, 'minimum-release-age/too-young', 'fresh-only');
});

age('allowed: minimumReleaseAge.exclude ["fresh-only"]', async ({ harness }) => {
  const box = await sandbox(harness, {
    'package.json': manifest({ 'fresh-only': '^1.0.0' }),
    [POLICY]: { minimumReleaseAge: { exclude: ['fresh-only'] } },
  });
  const result = await box.safeNpmJson(['install']);
  assertExit(result, 0);
  assertNoFinding(result, 'minimum-release-age/too-young');
  assert.equal(result.report.policy.files, [POLICY]);
  assert.is((await installedPackages(box.dir)).get('node_modules/fresh-only'), '1.0.0');
});

age('minimumReleaseAge.age is what the gate uses: with "1h", fresh-pkg@^1.0.0 resolves to the 2-hour-old 1.1.0', async ({ harness }) => {
  const box = await sandbox(harness, {
    'package.json': manifest({ 'fresh-pkg': '^1.0.0' }),
    [POLICY]: { minimumReleaseAge: { age: '1h' } },
  });
  const result = await box.safeNpmJson(['install']);
  assertExit(result, 0);
  assertNoFinding(result, 'minimum-release-age/too-young');
  assert.is((await installedPackages(box.dir)).get('node_modules/fresh-pkg'), '1.1.0');
});

age('allowed: an exclude with a version (fresh-pkg@1.1.0) lets that exact pin through; other packages stay gated', async ({ harness }) => {
  const box = await sandbox(harness, {
    'package.json': manifest({ 'fresh-pkg': '1.1.0' }),
    [POLICY]: { minimumReleaseAge: { exclude: ['fresh-pkg@1.1.0'] } },
  });
  const result = await box.safeNpmJson(['install']);
  assertExit(result, 0);
  assertNoFinding(result, 'minimum-release-age/too-young');
  assert.is((await installedPackages(box.dir)).get('node_modules/fresh-pkg'), '1.1.0');

  const other = await sandbox(harness, {
    'package.json': manifest({ 'fresh-pkg': '1.1.0', 'fresh-only': '^1.0.0' }),
    [POLICY]: { minimumReleaseAge: { exclude: ['fresh-pkg@1.1.0'] } },
  });
  const blocked = await other.safeNpmJson(['check']);
  assertExit(blocked, 1);
  assertFinding(blocked, 'minimum-release-age/too-young', 'fresh-only');
  assertNoFinding(blocked, 'minimum-release-age/too-young', 'fresh-pkg');
});

age('allowed: an exception waives the finding and is listed in waived; an unused exception is listed in unusedExceptions', async ({ harness }) => {
  const box = await sandbox(harness, {
    'package.json': manifest({ 'fresh-only': '^1.0.0', 'tiny-dep': '^1.0.0' }),
    [POLICY]: {
      exceptions: [
        { package: 'fresh-only', rule: 'minimum-release-age', reason: 'reviewed by security' },
        { package: 'left-pad', rule: 'packages', reason: 'not in this project' },
      ],
    },
  });
  const result = await box.safeNpmJson(['install']);
  assertExit(result, 0);
  assertNoFinding(result, 'minimum-release-age/too-young');
  const waived = result.report.waived.filter((entry: any) => entry.code === 'minimum-release-age/too-young');
  assert.is(waived.length, 1, explain(result));
  assert.is(waived[0].package.name, 'fresh-only');
  assert.is(waived[0].reason, 'reviewed by security');
  assert.is(waived[0].source, POLICY);
  assert.is(result.report.unusedExceptions.length, 1, explain(result));
  assert.is(result.report.unusedExceptions[0].package, 'left-pad');
  assert.is(result.report.unusedExceptions[0].rule, 'packages');
  assert.equal(result.report.expiredExceptions, []);
  assert.is((await installedPackages(box.dir)).get('node_modules/fresh-only'), '1.0.0');
});

age('blocked: an expired exception no longer applies and is listed in expiredExceptions', async ({ harness }) => {
  const box = await sandbox(harness, {
    'package.json': manifest({ 'fresh-only': '^1.0.0' }),
    [POLICY]: {
      exceptions: [{ package: 'fresh-only', rule: 'minimum-release-age', reason: 'was reviewed once', expires: '2020-01-01' }],
    },
  });
  const result = await box.safeNpmJson(['install']);
  assertExit(result, 1);
  assertFinding(result, 'minimum-release-age/too-young', 'fresh-only');
  assert.equal(result.report.waived, []);
  assert.is(result.report.expiredExceptions.length, 1, explain(result));
  assert.is(result.report.expiredExceptions[0].package, 'fresh-only');
  assert.is(result.report.expiredExceptions[0].expires, '2020-01-01');
  assert.equal(result.report.unusedExceptions, [], 'an expired exception is not also "unused"');
});

age('blocked: a lockfile pinning a young version is blocked by ci and check --lockfile', async ({ harness }) => {
  const box = await sandbox(harness, {
    'package.json': manifest({ 'fresh-pkg': '^1.0.0', 'tiny-dep': '^1.0.0' }),
    // Outside the discovered names: used only through --policy.
    'age-off.json': { rules: { 'minimum-release-age': 'off' } },
  });
  const made = await box.safeNpmJson(['install', '--policy', 'age-off.json']);
  assertExit(made, 0, 'install with the age rule off');
  assert.is((await lockedPackages(box.dir)).get('node_modules/fresh-pkg'), '1.1.0', 'the lockfile pins the young 1.1.0');

  const before = await snapshot(box.dir);
  harness.registry.requests.length = 0;
  const ci = await box.safeNpmJson(['ci']);
  assertExit(ci, 1, 'ci');
  const finding = assertFinding(ci, 'minimum-release-age/too-young', 'fresh-pkg');
  assert.is(finding.package.version, '1.1.0');
  assert.equal(diffSnapshots(before, await snapshot(box.dir)), { added: [], removed: [], changed: [] }, 'a blocked ci removes and writes nothing');
  assert.equal(fetchedTarballs(harness.registry), [], 'a blocked ci downloads nothing');

  const checked = await box.safeNpmJson(['check', '--lockfile']);
  assertExit(checked, 1, 'check --lockfile');
  assertFinding(checked, 'minimum-release-age/too-young', 'fresh-pkg');

  // The same lockfile under a fresh, empty npm cache: the facts must be fetched.
  const cache = await harness.tempDir('safe-npm-cache-');
  const uncached = await box.safeNpmJson(['ci'], { npm_config_cache: cache });
  assertExit(uncached, 1, 'ci with an empty cache');
  assertFinding(uncached, 'minimum-release-age/too-young', 'fresh-pkg');

  // ci names the one command that moves the lockfile.
  assert.match(String(finding.hint), /safe-npm install moves package-lock\.json to it/);
  assert.is(finding.data.matureVersion, '1.0.0');

  // With minimumReleaseAge.lockfile "block", install keeps what the lockfile says: still blocked, nothing written.
  await writeFile(join(box.dir, 'hold-off.json'), JSON.stringify({ minimumReleaseAge: { lockfile: 'block' } }));
  const refused = await box.safeNpmJson(['install', '--policy', 'hold-off.json']);
  assertExit(refused, 1, 'install over the young lockfile, policy block');
  assertFinding(refused, 'minimum-release-age/too-young', 'fresh-pkg');
  const lockBefore = JSON.parse(await readFile(join(box.dir, 'package-lock.json'), 'utf8'));
  await rmFile(join(box.dir, 'hold-off.json'));

  // By default install holds the young locked version back to the mature one and changes nothing else.
  const held = await box.safeNpmJson(['install']);
  assertExit(held, 0, 'install over the young lockfile holds it back');
  assertNoFinding(held, 'minimum-release-age/too-young');
  assert.equal(held.report.heldBack.map((entry: any) => `${entry.name} ${entry.from} → ${entry.to}`), ['fresh-pkg 1.1.0 → 1.0.0']);
  const lockAfter = JSON.parse(await readFile(join(box.dir, 'package-lock.json'), 'utf8'));
  assert.is(lockAfter.packages['node_modules/fresh-pkg'].version, '1.0.0');
  const { ['node_modules/fresh-pkg']: _before, ...restBefore } = lockBefore.packages;
  const { ['node_modules/fresh-pkg']: _after, ...restAfter } = lockAfter.packages;
  assert.equal(restAfter, restBefore, 'every other lockfile entry is untouched');
});

age('held back: a transitive young version a plain-npm lockfile pins moves to the newest mature one its dependents accept; update does it too; the text says so', async ({ harness }) => {
  const box = await sandbox(harness, { 'package.json': manifest({ 'uses-fresh': '^1.0.0', 'tiny-dep': '^1.0.0' }) });
  assertExit(await box.npm(['install', '--package-lock-only', '--ignore-scripts']), 0, 'plain npm writes the lockfile');
  assert.is((await lockedPackages(box.dir)).get('node_modules/fresh-pkg'), '1.1.0', 'plain npm pins the young 1.1.0');
  const original = await readFile(join(box.dir, 'package-lock.json'), 'utf8');

  const checked = await box.safeNpmJson(['check']);
  assertExit(checked, 0, 'check judges the tree install would produce');
  assert.equal(checked.report.heldBack.map((entry: any) => `${entry.name} ${entry.from} → ${entry.to}`), ['fresh-pkg 1.1.0 → 1.0.0']);
  assert.is(await readFile(join(box.dir, 'package-lock.json'), 'utf8'), original, 'check writes nothing');

  const updated = await box.safeNpm(['update', 'fresh-pkg']);
  assertExit(updated, 0, 'update');
  assert.match(updated.stderr, /held back fresh-pkg 1\.1\.0 → 1\.0\.0: published 2h( 0m)? ago/);
  assert.is((await lockedPackages(box.dir)).get('node_modules/fresh-pkg'), '1.0.0');
  assert.is((await lockedPackages(box.dir)).get('node_modules/uses-fresh'), '1.0.0');

  await writeFile(join(box.dir, 'package-lock.json'), original);
  const installed = await box.safeNpm(['install']);
  assertExit(installed, 0, 'install');
  assert.match(installed.stderr, /held back fresh-pkg 1\.1\.0 → 1\.0\.0/);
  assert.is((await installedPackages(box.dir)).get('node_modules/fresh-pkg'), '1.0.0');
});

/** A lockfileVersion 1 entry (npm 5/6) made from a v3 one; an alias keeps npm 6's `npm:name@version`. */
function v1Entry(entry: any, alias?: string): Record<string, unknown> {
  return {
    version: alias === undefined ? entry.version : `npm:${alias}@${entry.version}`,
    resolved: entry.resolved,
    integrity: entry.integrity,
    ...(entry.dependencies ? { requires: entry.dependencies } : {}),
  };
}

age('blocked: a lockfileVersion 1 lockfile (nested dependencies, an npm: alias) is judged entry by entry by ci and check --lockfile', async ({ harness }) => {
  const dependencies = { 'fresh-pkg': '^1.0.0', 'tiny-dep': '1.0.0', 'tiny-dep-new': 'npm:tiny-dep@1.2.0', 'with-dep': '^1.0.0' };
  const box = await sandbox(harness, {
    'package.json': manifest(dependencies),
    'age-off.json': { rules: { 'minimum-release-age': 'off' } },
  });
  assertExit(await box.safeNpmJson(['install', '--package-lock-only', '--policy', 'age-off.json']), 0, 'making a v3 lockfile');
  const v3 = JSON.parse(await readFile(join(box.dir, 'package-lock.json'), 'utf8'));
  const at = (location: string) => v3.packages[location];
  // with-dep keeps a copy of tiny-dep 1.2.0 nested under it, which only a walk of the nested `dependencies` finds.
  const v1 = {
    name: 'app',
    version: '1.0.0',
    lockfileVersion: 1,
    requires: true,
    dependencies: {
      'fresh-pkg': v1Entry(at('node_modules/fresh-pkg')),
      'tiny-dep': v1Entry(at('node_modules/tiny-dep')),
      'tiny-dep-new': v1Entry(at('node_modules/tiny-dep-new'), 'tiny-dep'),
      'with-dep': { ...v1Entry(at('node_modules/with-dep')), dependencies: { 'tiny-dep': v1Entry(at('node_modules/tiny-dep-new')) } },
    },
  };
  assert.is(v1.dependencies['fresh-pkg'].version, '1.1.0', 'the lockfile pins the young 1.1.0');
  await writeFile(join(box.dir, 'package-lock.json'), `${JSON.stringify(v1, null, 2)}\n`);

  const before = await snapshot(box.dir);
  for (const args of [['check', '--lockfile'], ['ci']]) {
    const result = await box.safeNpmJson(args);
    assertExit(result, 1, args.join(' '));
    assert.is(result.report.packageCount, 5, `every entry, the nested one too\n${explain(result)}`);
    const finding = assertFinding(result, 'minimum-release-age/too-young', 'fresh-pkg');
    assert.is(finding.package.version, '1.1.0');
  }
  assert.equal(diffSnapshots(before, await snapshot(box.dir)), { added: [], removed: [], changed: [] }, 'nothing written');
});

age.run();
