// manifest-confusion: a packument that hides what the tarball's package.json
// declares (a postinstall, a dependency) blocks the install before anything is
// written and no hidden script runs; an honest package installs with its
// tarball downloaded once; `check` reads no tarball. The CLI runs in-process:
// a hidden script that ran anyway would fail the run (runSafeNpmInProcess).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { diffSnapshots, snapshot } from '../helpers/workspace.js';
import { assertExit, assertFinding, assertNoFinding, codes, explain, fetchedTarballs, installedPackages, sandbox, startHarness, type Harness } from './support.js';

const confusion = suite<{ harness: Harness }>('e2e: manifest-confusion');

confusion.before(async (context) => {
  context.harness = await startHarness(['hidden-postinstall', 'hidden-dependency', 'left-pad', 'tiny-dep', 'with-dep'], { runner: 'in-process' });
});
confusion.after(async (context) => {
  await context.harness.close();
});

const HIDDEN_MARKER = 'hidden-postinstall-ran.txt';
const UNCHANGED = { added: [], removed: [], changed: [] };

const manifest = (dependencies: Record<string, string>) => ({ name: 'app', version: '1.0.0', private: true, dependencies });

/** A project with left-pad installed by safe-npm: node_modules, package.json and package-lock.json exist. */
async function installedProject(harness: Harness, files: Record<string, string | object> = {}) {
  const box = await sandbox(harness, { 'package.json': manifest({ 'left-pad': '^1.0.0' }), ...files });
  assertExit(await box.safeNpm(['install']), 0, 'first install');
  return box;
}

confusion('a postinstall only in the tarball: install exits 1, the script never runs, nothing is written', async ({ harness }) => {
  // Allowed by name, so only the manifest check stands between it and running.
  const box = await installedProject(harness, { '.safe-npmrc.json': { scripts: { allow: { 'hidden-postinstall': true } } } });
  const before = await snapshot(box.dir);
  const result = await box.safeNpmJson(['install', 'hidden-postinstall@1.0.0']);
  assertExit(result, 1);
  const finding = assertFinding(result, 'manifest-confusion/scripts-differ', 'hidden-postinstall');
  assert.is(finding.severity, 'block');
  assert.match(finding.message, /postinstall: node install\.js/);
  assert.is(result.report.install, null);
  assert.ok(!box.markerExists(HIDDEN_MARKER), 'the hidden postinstall did not run');
  assert.equal(diffSnapshots(before, await snapshot(box.dir)), UNCHANGED, 'node_modules, package.json and package-lock.json are byte-identical');
});

confusion('a dependency only in the tarball: blocked, nothing written', async ({ harness }) => {
  const box = await installedProject(harness);
  const before = await snapshot(box.dir);
  const result = await box.safeNpmJson(['install', 'hidden-dependency']);
  assertExit(result, 1);
  const finding = assertFinding(result, 'manifest-confusion/dependencies-differ', 'hidden-dependency');
  assert.match(finding.message, /only in the tarball: tiny-dep@\^1\.0\.0/);
  assert.equal(diffSnapshots(before, await snapshot(box.dir)), UNCHANGED);
});

confusion('ci of a lockfile npm wrote from the lying packument: blocked before node_modules is emptied', async ({ harness }) => {
  const box = await installedProject(harness);
  const plain = await box.npm(['install', '--package-lock-only', '--ignore-scripts', 'hidden-dependency']);
  assertExit(plain, 0, 'npm install --package-lock-only');
  const before = await snapshot(box.dir);
  const result = await box.safeNpmJson(['ci']);
  assertExit(result, 1);
  assertFinding(result, 'manifest-confusion/dependencies-differ', 'hidden-dependency');
  assert.equal(diffSnapshots(before, await snapshot(box.dir)), UNCHANGED);
});

confusion('honest packages install, each tarball downloaded once (reify reuses what was read)', async ({ harness }) => {
  const box = await sandbox(harness, { 'package.json': manifest({ 'with-dep': '^1.0.0' }) });
  harness.registry.requests.length = 0;
  const result = await box.safeNpmJson(['install']);
  assertExit(result, 0);
  assert.not.ok(codes(result.report).some((code: string) => code.startsWith('manifest-confusion/')), explain(result));
  const installed = await installedPackages(box.dir);
  assert.is(installed.get('node_modules/with-dep'), '1.0.0');
  assert.ok(installed.has('node_modules/tiny-dep'));
  assert.equal(fetchedTarballs(harness.registry).sort(), ['tiny-dep@1.2.0', 'with-dep@1.0.0']);
  // A second install writes nothing, so it reads no tarball.
  harness.registry.requests.length = 0;
  assertExit(await box.safeNpm(['install']), 0, 'second install');
  assert.equal(fetchedTarballs(harness.registry), []);
});

confusion('rule set to warn: installed, but the script only the tarball declares still never runs', async ({ harness }) => {
  const box = await sandbox(harness, {
    'package.json': manifest({ 'hidden-postinstall': '1.0.0' }),
    '.safe-npmrc.json': { rules: { 'manifest-confusion': 'warn' }, scripts: { allow: { 'hidden-postinstall': true } } },
  });
  const result = await box.safeNpmJson(['install']);
  assertExit(result, 0);
  assert.is(assertFinding(result, 'manifest-confusion/scripts-differ', 'hidden-postinstall').severity, 'warn');
  assertFinding(result, 'install-scripts/unreviewed', 'hidden-postinstall');
  assert.equal(result.report.install.scriptsRun, []);
  assert.equal(result.report.install.scriptsSkipped, ['hidden-postinstall@1.0.0']);
  assert.ok(!box.markerExists(HIDDEN_MARKER), 'the hidden postinstall did not run');
});

confusion('rule off: a script the packument does not show is not in the script plan, so it never runs', async ({ harness }) => {
  const box = await sandbox(harness, {
    'package.json': manifest({ 'hidden-postinstall': '1.0.0' }),
    '.safe-npmrc.json': { rules: { 'manifest-confusion': 'off' }, scripts: { allow: { 'hidden-postinstall': true } } },
  });
  const result = await box.safeNpmJson(['install']);
  assertExit(result, 0);
  assertNoFinding(result, 'manifest-confusion/scripts-differ', 'hidden-postinstall');
  assert.equal(result.report.install.scriptsRun, []);
  assert.ok(!box.markerExists(HIDDEN_MARKER), 'the hidden postinstall did not run');
});

confusion('check reads no tarball, so it cannot see manifest confusion (documented)', async ({ harness }) => {
  const box = await sandbox(harness, { 'package.json': manifest({ 'hidden-dependency': '^1.0.0' }) });
  harness.registry.requests.length = 0;
  const result = await box.safeNpmJson(['check']);
  assertExit(result, 0);
  assertNoFinding(result, 'manifest-confusion/dependencies-differ');
  assert.equal(fetchedTarballs(harness.registry), []);
});

confusion('an optional package for another platform is neither downloaded nor read, by install or by ci', async ({ harness }) => {
  // Another platform's binary: npm leaves it out here (Arborist marks it inert), so its tarball is not among what reify writes.
  const otherOs = process.platform === 'aix' ? 'sunos' : 'aix';
  await harness.registry.publish('native-other', { version: '1.0.0', publishedAt: '-30d', os: [otherOs] });
  await harness.registry.publish('native-here', { version: '1.0.0', publishedAt: '-30d', os: [process.platform] });
  await harness.registry.publish('with-natives', { version: '1.0.0', publishedAt: '-30d', optionalDependencies: { 'native-other': '1.0.0', 'native-here': '1.0.0' } });
  const box = await sandbox(harness, { 'package.json': manifest({ 'with-natives': '^1.0.0' }) });
  harness.registry.requests.length = 0;
  assertExit(await box.safeNpm(['install']), 0, 'install');
  await rm(join(box.dir, 'node_modules'), { recursive: true });
  const ci = await box.safeNpmJson(['ci']);
  assertExit(ci, 0, 'ci');
  const installed = await installedPackages(box.dir);
  assert.ok(installed.has('node_modules/native-here'));
  assert.ok(!installed.has('node_modules/native-other'));
  assert.equal(fetchedTarballs(harness.registry, 'native-other'), [], "the other platform's tarball was never fetched");
  assert.equal(fetchedTarballs(harness.registry, 'native-here'), ['native-here@1.0.0'], 'the one for this platform once (ci reads it from the cache)');
});

confusion.run();
