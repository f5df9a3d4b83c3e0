// minimumReleaseAge.allowSecurityFixes through the real binary: a too-young
// version passes the age gate (with a warning naming the advisory) only when
// an advisory of the registry names it as the fix of the version it replaces
// (the lockfile's, or what node_modules holds when the lockfile already moved).
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { assertExit, assertFinding, assertNoFinding, installedPackages, lockedPackages, sandbox, startHarness, type Harness } from './support.js';

const fixes = suite<{ harness: Harness }>('e2e: security fixes through the age gate');

// fresh-pkg: 1.0.0 is 30 days old, 1.1.0 two hours old.
const advisory = (vulnerable: string) => ({
  'fresh-pkg': [{ id: 1100123, title: 'Prototype pollution in fresh-pkg', severity: 'high', vulnerable_versions: vulnerable, url: 'https://github.com/advisories/GHSA-fre5-h2pk-g000' }],
});

fixes.before(async (context) => {
  context.harness = await startHarness(['fresh-pkg']);
});
fixes.after.each(({ harness }) => harness.registry.setAdvisories(null));
fixes.after(async (context) => {
  await context.harness.close();
});

const POLICY = '.safe-npmrc.json';
const ALLOW = { minimumReleaseAge: { allowSecurityFixes: true } };

/** A project with fresh-pkg@1.0.0 installed and locked (the version a fix replaces). */
async function lockedAtOld(harness: Harness, policy: object) {
  const box = await sandbox(harness, { 'package.json': { name: 'app', version: '1.0.0', private: true, dependencies: { 'fresh-pkg': '1.0.0' } }, [POLICY]: policy });
  assertExit(await box.safeNpm(['install']), 0, 'installing fresh-pkg@1.0.0 first');
  return box;
}

fixes('the fix an advisory names for the locked version passes, with a warning that names the advisory and the version it replaces', async ({ harness }) => {
  harness.registry.setAdvisories(advisory('<1.1.0'));
  const box = await lockedAtOld(harness, ALLOW);
  const result = await box.safeNpmJson(['install', 'fresh-pkg@1.1.0']);
  assertExit(result, 0);
  const finding = assertFinding(result, 'minimum-release-age/security-fix', 'fresh-pkg');
  assert.is(finding.severity, 'warn');
  assert.is(finding.data.advisory, '1100123');
  assert.is(finding.data.replaced, 'fresh-pkg@1.0.0');
  assert.match(finding.message, /fix of 1100123 \(Prototype pollution in fresh-pkg\), which affects fresh-pkg@1\.0\.0/);
  assertNoFinding(result, 'minimum-release-age/too-young');
  assert.is((await lockedPackages(box.dir)).get('node_modules/fresh-pkg'), '1.1.0');
});

fixes('a lockfile that already moved (a Dependabot branch): the installed version is the one replaced', async ({ harness }) => {
  harness.registry.setAdvisories(advisory('<1.1.0'));
  const box = await lockedAtOld(harness, ALLOW);
  // What a pulled branch changes: package.json and package-lock.json, not node_modules (npm's
  // --package-lock-only also rewrites node_modules/.package-lock.json, which a pull does not).
  const hidden = join(box.dir, 'node_modules', '.package-lock.json');
  const installedState = await readFile(hidden, 'utf8');
  assertExit(await box.npm(['install', 'fresh-pkg@1.1.0', '--package-lock-only', '--ignore-scripts']), 0, 'npm moves the lockfile only');
  await writeFile(hidden, installedState);
  assert.is((await installedPackages(box.dir)).get('node_modules/fresh-pkg'), '1.0.0');
  const result = await box.safeNpmJson(['install']);
  assertExit(result, 0);
  assert.is(assertFinding(result, 'minimum-release-age/security-fix', 'fresh-pkg').data.replaced, 'fresh-pkg@1.0.0');
  assert.is((await installedPackages(box.dir)).get('node_modules/fresh-pkg'), '1.1.0');
});

fixes('still blocked: the option off (the default), a range that names another fix, no version being replaced', async ({ harness }) => {
  harness.registry.setAdvisories(advisory('<1.1.0'));
  const off = await lockedAtOld(harness, {});
  const withoutOption = await off.safeNpmJson(['install', 'fresh-pkg@1.1.0']);
  assertExit(withoutOption, 1, 'allowSecurityFixes is off by default');
  assertFinding(withoutOption, 'minimum-release-age/too-young', 'fresh-pkg');

  harness.registry.setAdvisories(advisory('<1.0.5'));
  const other = await lockedAtOld(harness, ALLOW);
  const otherFix = await other.safeNpmJson(['install', 'fresh-pkg@1.1.0']);
  assertExit(otherFix, 1, 'the advisory names 1.0.5 as its fix, not 1.1.0');
  assertFinding(otherFix, 'minimum-release-age/too-young', 'fresh-pkg');
  assertNoFinding(otherFix, 'minimum-release-age/security-fix');

  harness.registry.setAdvisories(advisory('<1.1.0'));
  const fresh = await sandbox(harness, { 'package.json': { name: 'app', version: '1.0.0', private: true }, [POLICY]: ALLOW });
  const added = await fresh.safeNpmJson(['install', 'fresh-pkg@1.1.0']);
  assertExit(added, 1, 'nothing installed or locked before: no version is being fixed');
  assertFinding(added, 'minimum-release-age/too-young', 'fresh-pkg');
});

fixes.run();
