// packages (deny/allow lists) and sources (file:, directory, remote tarball
// dependencies). The CLI runs in-process: the judgement is the subject, and a
// postinstall that ran anyway would fail the run (runSafeNpmInProcess).
import { lstat, mkdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runNpm } from '../helpers/run-cli.js';
import {
  assertExit,
  assertFinding,
  assertNoFinding,
  codes,
  explain,
  installedPackages,
  sandbox,
  startHarness,
  type Harness,
  type Sandbox,
} from './support.js';

const packages = suite<{ harness: Harness }>('e2e: packages and sources');

packages.before(async (context) => {
  context.harness = await startHarness(['evil-pkg', 'evil-parent', 'bundles-evil', 'left-pad', 'tiny-dep', 'with-dep'], { runner: 'in-process' });
  const { registry } = context.harness;
  // A registry package that depends on a remote tarball URL (the loopback
  // registry's own tarball of tiny-dep): the URL has the port, so it is
  // published at run time rather than kept as a fixture file.
  await registry.publish('remote-parent', {
    version: '1.0.0',
    publishedAt: '-100d',
    dependencies: { 'tiny-dep': `${registry.url}tiny-dep/-/tiny-dep-1.2.0.tgz` },
  });
});
packages.after(async (context) => {
  await context.harness.close();
});

const manifest = (dependencies: Record<string, string>) => ({ name: 'app', version: '1.0.0', private: true, dependencies });
const POLICY = '.safe-npmrc.json';

packages('blocked: packages.deny ["evil-pkg"] as a direct dependency; its postinstall never runs', async ({ harness }) => {
  const box = await sandbox(harness, {
    'package.json': manifest({ 'evil-pkg': '^1.0.0', 'tiny-dep': '^1.0.0' }),
    [POLICY]: { packages: { deny: ['evil-pkg'] }, scripts: { allow: { 'evil-pkg': true } } },
  });
  const result = await box.safeNpmJson(['install']);
  assertExit(result, 1);
  const finding = assertFinding(result, 'packages/denied', 'evil-pkg');
  assert.is(finding.data.pattern, 'evil-pkg');
  assert.is(finding.severity, 'block');
  assert.is((await installedPackages(box.dir)).size, 0, 'nothing installed');
  assert.ok(!box.markerExists('evil-pkg-ran.txt'));
});

packages('blocked: packages.deny ["evil-pkg"] one level down (evil-parent → evil-pkg)', async ({ harness }) => {
  const box = await sandbox(harness, {
    'package.json': manifest({ 'evil-parent': '^1.0.0' }),
    [POLICY]: { packages: { deny: ['evil-pkg'] } },
  });
  const result = await box.safeNpmJson(['install']);
  assertExit(result, 1);
  const finding = assertFinding(result, 'packages/denied', 'evil-pkg');
  assert.equal(finding.path, ['app', 'evil-parent', 'evil-pkg']);
  assertNoFinding(result, 'packages/denied', 'evil-parent');
  assert.is((await installedPackages(box.dir)).size, 0, 'nothing installed');
  assert.ok(!box.markerExists('evil-pkg-ran.txt'));
});

packages('blocked: packages.deny ["evil-pkg"] also when evil-pkg ships inside another tarball (bundleDependencies)', async ({ harness }) => {
  const box = await sandbox(harness, {
    'package.json': manifest({ 'bundles-evil': '^1.0.0' }),
    [POLICY]: { packages: { deny: ['evil-pkg'] } },
  });
  harness.registry.requests.length = 0;
  const result = await box.safeNpmJson(['install']);
  assertExit(result, 1);
  const finding = assertFinding(result, 'packages/denied', 'evil-pkg');
  assert.equal(finding.path, ['app', 'bundles-evil', 'evil-pkg']);
  assert.is((await installedPackages(box.dir)).size, 0, 'nothing installed');
  assert.ok(!box.markerExists('evil-pkg-ran.txt'));
  assert.is(harness.registry.requests.filter((request) => request.name === 'evil-pkg').length, 0, 'the bundled copy is judged, not the registry one');
});

packages('allowed: packages.deny ["left-pad@<1.3.0"] with left-pad 1.3.0; blocked with left-pad 1.0.0', async ({ harness }) => {
  const policy = { packages: { deny: ['left-pad@<1.3.0'] } };
  const allowed = await sandbox(harness, { 'package.json': manifest({ 'left-pad': '^1.0.0' }), [POLICY]: policy });
  const clean = await allowed.safeNpmJson(['install']);
  assertExit(clean, 0);
  assertNoFinding(clean, 'packages/denied');
  assert.is((await installedPackages(allowed.dir)).get('node_modules/left-pad'), '1.3.0');

  const blocked = await sandbox(harness, { 'package.json': manifest({ 'left-pad': '1.0.0' }), [POLICY]: policy });
  const result = await blocked.safeNpmJson(['check']);
  assertExit(result, 1);
  const finding = assertFinding(result, 'packages/denied', 'left-pad');
  assert.is(finding.package.version, '1.0.0');
  assert.is(finding.data.pattern, 'left-pad@<1.3.0');
});

packages('packages.allow: a package not on the allow list → packages/not-allowed; all on it → clean', async ({ harness }) => {
  const blocked = await sandbox(harness, {
    'package.json': manifest({ 'with-dep': '^1.0.0', 'left-pad': '^1.0.0' }),
    [POLICY]: { packages: { allow: ['with-dep', 'tiny-dep'] } },
  });
  const result = await blocked.safeNpmJson(['check']);
  assertExit(result, 1);
  assertFinding(result, 'packages/not-allowed', 'left-pad');
  assertNoFinding(result, 'packages/not-allowed', 'tiny-dep');

  const allowed = await sandbox(harness, {
    'package.json': manifest({ 'with-dep': '^1.0.0' }),
    [POLICY]: { packages: { allow: ['with-dep', 'tiny-dep'] } },
  });
  const clean = await allowed.safeNpmJson(['check']);
  assertExit(clean, 0);
  assert.equal(codes(clean.report), []);
});

/** app/ depends on a packed local tarball (file:vendor/….tgz) and a sibling directory (file:../lib). */
async function localSourcesProject(harness: Harness, policy?: object): Promise<Sandbox> {
  const files: Record<string, string | object> = {
    'app/package.json': manifest({ 'local-tgz': 'file:vendor/local-tgz-1.0.0.tgz', 'local-lib': 'file:../lib' }),
    'lib/package.json': { name: 'local-lib', version: '1.0.0', main: 'index.js' },
    'lib/index.js': 'module.exports = "local-lib";\n',
    'tgz-src/package.json': { name: 'local-tgz', version: '1.0.0', main: 'index.js' },
    'tgz-src/index.js': 'module.exports = "local-tgz";\n',
  };
  if (policy) files[`app/${POLICY}`] = policy;
  const box = await sandbox(harness, files, { projectSubdir: 'app' });
  await mkdir(join(box.dir, 'vendor'));
  const packed = await runNpm(['pack', '--pack-destination', join(box.dir, 'vendor')], { cwd: join(box.root, 'tgz-src'), env: box.env });
  assertExit(packed, 0, 'npm pack');
  return box;
}

packages('allowed: file: tarball and directory (file:../lib) direct dependencies pass with the default policy', async ({ harness }) => {
  const box = await localSourcesProject(harness);
  const result = await box.safeNpmJson(['install']);
  assertExit(result, 0);
  assert.equal(codes(result.report), [], explain(result));
  assert.is((await installedPackages(box.dir)).get('node_modules/local-tgz'), '1.0.0');
  const link = join(box.dir, 'node_modules', 'local-lib');
  assert.ok((await lstat(link)).isSymbolicLink(), 'a directory dependency is linked');
  assert.is(await readlink(link), join('..', '..', 'lib'));
});

packages('blocked: sources {file: "none"} → source-not-allowed for the tarball; {directory: "none"} → for the directory', async ({ harness }) => {
  const noFile = await localSourcesProject(harness, { sources: { file: 'none' } });
  const fileResult = await noFile.safeNpmJson(['install']);
  assertExit(fileResult, 1, 'file: none');
  const fileFinding = assertFinding(fileResult, 'sources/source-not-allowed', 'local-tgz');
  assert.is(fileFinding.data.kind, 'file');
  assertNoFinding(fileResult, 'sources/source-not-allowed', 'local-lib');
  assert.is((await installedPackages(noFile.dir)).size, 0, 'nothing installed');

  const noDirectory = await localSourcesProject(harness, { sources: { directory: 'none' } });
  const directoryResult = await noDirectory.safeNpmJson(['check']);
  assertExit(directoryResult, 1, 'directory: none');
  const directoryFinding = assertFinding(directoryResult, 'sources/source-not-allowed', 'local-lib');
  assert.is(directoryFinding.data.kind, 'directory');
  assertNoFinding(directoryResult, 'sources/source-not-allowed', 'local-tgz');
});

packages('blocked: a registry package depending on a remote tarball URL → sources/transitive-source; allowed with sources.remote "all"', async ({ harness }) => {
  const box = await sandbox(harness, { 'package.json': manifest({ 'remote-parent': '^1.0.0' }) });
  const result = await box.safeNpmJson(['install']);
  assertExit(result, 1);
  const finding = assertFinding(result, 'sources/transitive-source', 'tiny-dep');
  assert.is(finding.data.kind, 'remote');
  assert.equal(finding.path, ['app', 'remote-parent', 'tiny-dep']);
  assert.is((await installedPackages(box.dir)).size, 0, 'nothing installed');

  const allowed = await sandbox(harness, {
    'package.json': manifest({ 'remote-parent': '^1.0.0' }),
    [POLICY]: { sources: { remote: 'all' } },
  });
  const clean = await allowed.safeNpmJson(['install']);
  assertExit(clean, 0, 'sources.remote all');
  assertNoFinding(clean, 'sources/transitive-source');
  assert.is((await installedPackages(allowed.dir)).get('node_modules/tiny-dep'), '1.2.0');
});

packages.run();
