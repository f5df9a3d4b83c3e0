// safe-npm install: installs the checked tree like npm would, saves specs like
// npm does, writes nothing on --dry-run, and writes nothing at all when blocked.
// Through the real binary: the clean install (with check and npm's twin), update
// and uninstall; the rest in-process (e2e/threats blocks an install, exit 1,
// through the binary).
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { diffSnapshots, readJson, snapshot } from '../helpers/workspace.js';
import {
  assertExit,
  assertFinding,
  codes,
  explain,
  fetchedTarballs,
  installedPackages,
  lockedPackages,
  sandbox,
  sortedEntries,
  startHarness,
  type Harness,
} from './support.js';

const install = suite<{ harness: Harness }>('e2e: safe-npm install');

install.before(async (context) => {
  context.harness = await startHarness(['tiny-dep', 'with-dep', 'left-pad', 'lodash-lite', 'fresh-pkg', 'fresh-only'], { runner: 'in-process' });
});
install.after(async (context) => {
  await context.harness.close();
});

const manifest = (dependencies: Record<string, string> = {}, extra: Record<string, unknown> = {}) => ({
  name: 'app',
  version: '1.0.0',
  private: true,
  dependencies,
  ...extra,
});

install('a clean install exits 0 and installs exactly the tree it checked (node_modules = lockfile = fetched tarballs = what npm installs)', async ({ harness }) => {
  const deps = { 'with-dep': '^1.0.0', 'left-pad': '^1.0.0', 'lodash-lite': '^2.0.0' };
  const box = await sandbox(harness, { 'package.json': manifest(deps) }, { runner: 'binary' });

  const checked = await box.safeNpmJson(['check']);
  assertExit(checked, 0, 'check');
  assert.is(checked.report.result, 'clean', explain(checked));
  assert.equal(codes(checked.report), []);

  harness.registry.requests.length = 0;
  const result = await box.safeNpmJson(['install']);
  assertExit(result, 0, 'install');
  assert.is(result.report.command, 'install');
  assert.is(result.report.result, 'clean');
  assert.equal(codes(result.report), []);
  assert.ok(result.report.install, 'the JSON report has an install outcome');
  assert.is(result.report.install.dryRun, false);

  const installed = await installedPackages(box.dir);
  const locked = await lockedPackages(box.dir);
  assert.equal(sortedEntries(installed), sortedEntries(locked), 'node_modules matches package-lock.json');
  assert.equal(
    sortedEntries(installed),
    [
      ['node_modules/left-pad', '1.3.0'],
      ['node_modules/lodash-lite', '2.1.0'],
      ['node_modules/tiny-dep', '1.2.0'],
      ['node_modules/with-dep', '1.0.0'],
    ],
  );
  assert.is(checked.report.packageCount, installed.size, 'check judged as many packages as install installed');
  assert.is(result.report.packageCount, installed.size);
  assert.is(result.report.install.added, installed.size);

  // Exactly one tarball per installed package, each the installed version.
  const fetched = fetchedTarballs(harness.registry).sort();
  const expected = [...installed.entries()].map(([location, version]) => `${location.replace(/^.*node_modules\//, '')}@${version}`).sort();
  assert.equal(fetched, expected, 'the registry served exactly the tarballs of the installed tree');

  // The same project installed by the real npm gives the same tree.
  const twin = await sandbox(harness, { 'package.json': manifest(deps) });
  const npmResult = await twin.npm(['install', '--no-audit', '--no-fund']);
  assertExit(npmResult, 0, 'npm install');
  assert.equal(sortedEntries(await lockedPackages(twin.dir)), sortedEntries(locked), 'the tree npm installs');
  const ours = await readJson(join(box.dir, 'package-lock.json'));
  const theirs = await readJson(join(twin.dir, 'package-lock.json'));
  for (const [location, entry] of Object.entries<any>(theirs.packages)) {
    if (!location) continue;
    assert.is(ours.packages[location]?.resolved, entry.resolved, `${location} resolved`);
    assert.is(ours.packages[location]?.integrity, entry.integrity, `${location} integrity`);
  }
});

/** Runs `safe-npm install <args>` and `npm install <args>` on twin projects and compares package.json. */
async function compareSaveWithNpm(harness: Harness, args: string[]) {
  const box = await sandbox(harness, { 'package.json': manifest({ 'tiny-dep': '^1.0.0' }) });
  const twin = await sandbox(harness, { 'package.json': manifest({ 'tiny-dep': '^1.0.0' }) });
  const ours = await box.safeNpmJson(['install', ...args]);
  assertExit(ours, 0, `safe-npm install ${args.join(' ')}`);
  const theirs = await twin.npm(['install', '--no-audit', '--no-fund', ...args]);
  assertExit(theirs, 0, `npm install ${args.join(' ')}`);
  return {
    box,
    twin,
    ours: await readJson(join(box.dir, 'package.json')),
    theirs: await readJson(join(twin.dir, 'package.json')),
  };
}

install('install <spec> saves to dependencies like npm', async ({ harness }) => {
  const { ours, theirs, box } = await compareSaveWithNpm(harness, ['left-pad']);
  assert.equal(ours.dependencies, { 'tiny-dep': '^1.0.0', 'left-pad': '^1.3.0' });
  assert.equal(ours, theirs);
  assert.is((await installedPackages(box.dir)).get('node_modules/left-pad'), '1.3.0');
  assert.is((await lockedPackages(box.dir)).get('node_modules/left-pad'), '1.3.0');
});

install('install -D <spec> saves to devDependencies like npm', async ({ harness }) => {
  const { ours, theirs, box } = await compareSaveWithNpm(harness, ['-D', 'left-pad@1.0.0']);
  assert.equal(ours.dependencies, { 'tiny-dep': '^1.0.0' });
  assert.equal(ours.devDependencies, theirs.devDependencies);
  assert.ok(ours.devDependencies?.['left-pad'], 'left-pad is in devDependencies');
  assert.equal(ours, theirs);
  const lock = await readJson(join(box.dir, 'package-lock.json'));
  assert.is(lock.packages['node_modules/left-pad'].version, '1.0.0');
  assert.is(lock.packages['node_modules/left-pad'].dev, true);
});

install('install -E <spec> saves the exact version like npm', async ({ harness }) => {
  const { ours, theirs } = await compareSaveWithNpm(harness, ['-E', 'lodash-lite']);
  assert.is(ours.dependencies['lodash-lite'], '2.1.0');
  assert.equal(ours, theirs);
});

install('install --no-save <spec> installs but leaves package.json and package-lock.json alone', async ({ harness }) => {
  const box = await sandbox(harness, { 'package.json': manifest({ 'tiny-dep': '^1.0.0' }) });
  assertExit(await box.safeNpmJson(['install']), 0, 'first install');
  const packageJson = await readFile(join(box.dir, 'package.json'));
  const lockfile = await readFile(join(box.dir, 'package-lock.json'));
  const result = await box.safeNpmJson(['install', '--no-save', 'left-pad']);
  assertExit(result, 0);
  assert.ok((await readFile(join(box.dir, 'package.json'))).equals(packageJson), 'package.json unchanged');
  assert.ok((await readFile(join(box.dir, 'package-lock.json'))).equals(lockfile), 'package-lock.json unchanged');
  assert.is((await installedPackages(box.dir)).get('node_modules/left-pad'), '1.3.0', 'left-pad is installed');
});

install('install <spec> of a package whose latest is too young installs and saves the mature version', async ({ harness }) => {
  const box = await sandbox(harness, { 'package.json': manifest() });
  const result = await box.safeNpmJson(['install', 'fresh-pkg']);
  assertExit(result, 0);
  assert.equal(codes(result.report), []);
  assert.is((await installedPackages(box.dir)).get('node_modules/fresh-pkg'), '1.0.0');
  assert.is((await readJson(join(box.dir, 'package.json'))).dependencies['fresh-pkg'], '^1.0.0');
});

install('update keeps to the age gate: fresh-pkg locked at 1.0.0 stays there (1.1.0 is too young); an old newer left-pad is taken', async ({ harness }) => {
  const box = await sandbox(harness, { 'package.json': manifest({ 'fresh-pkg': '^1.0.0', 'left-pad': '1.0.0' }) }, { runner: 'binary' });
  assertExit(await box.safeNpmJson(['install']), 0, 'first install');
  // Widen the range by hand: the lockfile keeps left-pad at the old 1.0.0.
  await writeFile(join(box.dir, 'package.json'), `${JSON.stringify(manifest({ 'fresh-pkg': '^1.0.0', 'left-pad': '^1.0.0' }), null, 2)}\n`);
  assert.is((await lockedPackages(box.dir)).get('node_modules/left-pad'), '1.0.0');
  assert.is((await lockedPackages(box.dir)).get('node_modules/fresh-pkg'), '1.0.0');
  const result = await box.safeNpmJson(['update']);
  assertExit(result, 0);
  assert.equal(codes(result.report), []);
  const installed = await installedPackages(box.dir);
  assert.is(installed.get('node_modules/fresh-pkg'), '1.0.0', 'update did not take the too-young 1.1.0');
  assert.is(installed.get('node_modules/left-pad'), '1.3.0', 'update took the newer, old enough left-pad');
  assert.is((await lockedPackages(box.dir)).get('node_modules/fresh-pkg'), '1.0.0');
  assert.is((await lockedPackages(box.dir)).get('node_modules/left-pad'), '1.3.0');
});

install('uninstall removes the package from node_modules, package.json and the lockfile', async ({ harness }) => {
  const box = await sandbox(harness, { 'package.json': manifest({ 'with-dep': '^1.0.0', 'left-pad': '^1.0.0' }) }, { runner: 'binary' });
  assertExit(await box.safeNpmJson(['install']), 0, 'first install');
  const result = await box.safeNpmJson(['uninstall', 'left-pad']);
  assertExit(result, 0);
  assert.equal((await readJson(join(box.dir, 'package.json'))).dependencies, { 'with-dep': '^1.0.0' });
  assert.not.ok((await installedPackages(box.dir)).has('node_modules/left-pad'));
  assert.not.ok((await lockedPackages(box.dir)).has('node_modules/left-pad'));
  assert.is((await installedPackages(box.dir)).get('node_modules/tiny-dep'), '1.2.0');
});

install('--dry-run writes nothing (fresh project and a project with an installed tree)', async ({ harness }) => {
  const fresh = await sandbox(harness, { 'package.json': manifest({ 'with-dep': '^1.0.0' }) });
  const before = await snapshot(fresh.dir);
  harness.registry.requests.length = 0;
  const result = await fresh.safeNpmJson(['install', '--dry-run']);
  assertExit(result, 0);
  assert.is(result.report.install?.dryRun, true, explain(result));
  assert.equal(diffSnapshots(before, await snapshot(fresh.dir)), { added: [], removed: [], changed: [] });
  assert.equal(fetchedTarballs(harness.registry), [], 'no tarball fetched on a dry run');

  const installed = await sandbox(harness, { 'package.json': manifest({ 'with-dep': '^1.0.0' }) });
  assertExit(await installed.safeNpmJson(['install']), 0, 'first install');
  const beforeAdd = await snapshot(installed.dir);
  const added = await installed.safeNpmJson(['install', '--dry-run', 'left-pad', '-D']);
  assertExit(added, 0);
  assert.is(added.report.install?.dryRun, true);
  assert.equal(diffSnapshots(beforeAdd, await snapshot(installed.dir)), { added: [], removed: [], changed: [] });
});

install('a blocked install (exit 1) leaves package.json, package-lock.json and node_modules byte-identical', async ({ harness }) => {
  const box = await sandbox(harness, { 'package.json': manifest({ 'with-dep': '^1.0.0', 'left-pad': '^1.0.0' }) });
  assertExit(await box.safeNpmJson(['install']), 0, 'first install');
  const before = await snapshot(box.dir);
  assert.ok(Object.keys(before).some((file) => file.startsWith('node_modules/')), 'the project has an installed tree');

  harness.registry.requests.length = 0;
  const withSpec = await box.safeNpmJson(['install', 'fresh-only']);
  assertExit(withSpec, 1, 'install fresh-only');
  assertFinding(withSpec, 'minimum-release-age/too-young', 'fresh-only');
  assert.is(withSpec.report.result, 'blocked');
  assert.is(withSpec.report.install, null);
  assert.equal(diffSnapshots(before, await snapshot(box.dir)), { added: [], removed: [], changed: [] });
  assert.equal(fetchedTarballs(harness.registry, 'fresh-only'), [], 'the blocked package was never downloaded');

  // The same when the young dependency is written into package.json by hand.
  const manifestPath = join(box.dir, 'package.json');
  const edited = await readJson(manifestPath);
  edited.dependencies['fresh-only'] = '^1.0.0';
  await writeFile(manifestPath, `${JSON.stringify(edited, null, 2)}\n`);
  const beforeEdit = await snapshot(box.dir);
  const fromManifest = await box.safeNpmJson(['install']);
  assertExit(fromManifest, 1, 'install with fresh-only in package.json');
  assertFinding(fromManifest, 'minimum-release-age/too-young', 'fresh-only');
  assert.equal(diffSnapshots(beforeEdit, await snapshot(box.dir)), { added: [], removed: [], changed: [] });
});

install.run();
