// install-scripts: unreviewed scripts never run (even two levels down),
// allowed ones do, refused ones never, --ignore-scripts runs none, the
// project's own postinstall runs after install, and no project-root manifest
// transform (.npm-extension) runs code while the tree is built.
//
// A script gets the environment of the process that runs it, and the
// project's own scripts write to its stdout: every test in which a script
// must run goes through the real binary ('binary' sandboxes). Where none may
// run, the CLI runs in-process: a script that ran anyway would leave its
// marker in the test process's marker dir, and runSafeNpmInProcess fails the
// run for it, so "did not run" is still asserted.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  assertExit,
  assertFinding,
  assertNoFinding,
  explain,
  findingsOf,
  installedPackages,
  readText,
  sandbox,
  startHarness,
  type Harness,
} from './support.js';

const scripts = suite<{ harness: Harness }>('e2e: install-scripts');

scripts.before(async (context) => {
  context.harness = await startHarness(['scripted', 'scripted-allowed', 'deep-parent', 'deep-child', 'tiny-dep', 'gyp-pkg', 'dropper-script'], { runner: 'in-process' });
});
scripts.after(async (context) => {
  await context.harness.close();
});

const SCRIPTED = 'scripted-ran.txt';
const ALLOWED = 'scripted-allowed-ran.txt';
const POLICY = '.safe-npmrc.json';

const manifest = (extra: Record<string, unknown> = {}) => ({
  name: 'app',
  version: '1.0.0',
  private: true,
  dependencies: { 'deep-parent': '^1.0.0', 'scripted-allowed': '^1.0.0' },
  ...extra,
});

/** A script (for package.json) that writes `file` into the marker dir, recording whether tiny-dep was installed already. */
function markerScript(file: string): string {
  return `node -e "const fs=require('fs');fs.writeFileSync(require('path').join(process.env.SAFE_NPM_TEST_MARKER_DIR,'${file}'),fs.existsSync('node_modules/deep-parent/package.json')?'after-install':'before-install')"`;
}

scripts('default policy: unreviewed postinstalls (one two levels down) do not run and are warnings', async ({ harness }) => {
  const box = await sandbox(harness, { 'package.json': manifest() });
  const result = await box.safeNpmJson(['install']);
  assertExit(result, 0);
  assert.is(result.report.result, 'warnings');
  const finding = assertFinding(result, 'install-scripts/unreviewed', 'scripted');
  assert.is(finding.severity, 'warn');
  assert.equal(finding.path, ['app', 'deep-parent', 'deep-child', 'scripted']);
  assertFinding(result, 'install-scripts/unreviewed', 'scripted-allowed');
  assert.ok(!box.markerExists(SCRIPTED), 'scripted postinstall did not run');
  assert.ok(!box.markerExists(ALLOWED), 'scripted-allowed postinstall did not run');
  assert.is((await installedPackages(box.dir)).get('node_modules/scripted'), '1.0.0', 'scripted is installed, only its script skipped');
  assert.equal(result.report.install.scriptsRun, []);
  assert.equal([...result.report.install.scriptsSkipped].sort(), ['scripted-allowed@1.0.0', 'scripted@1.0.0']);
});

scripts('an unreviewed preinstall whose files show a dropper shape blocks, naming the shape and file:line; scripts.content "warn" only warns; it never runs', async ({ harness }) => {
  const box = await sandbox(harness, { 'package.json': { name: 'app', version: '1.0.0', private: true, dependencies: { 'dropper-script': '^1.0.0' } } });
  const before = await installedPackages(box.dir);
  const blocked = await box.safeNpmJson(['install']);
  assertExit(blocked, 1);
  const finding = assertFinding(blocked, 'install-scripts/dropper', 'dropper-script');
  assert.is(finding.severity, 'block');
  assert.match(finding.message, /downloads a program and runs it \(preinstall\.sh:2: curl http:\/\/198\.51\.100\.28/);
  assert.is(finding.data.file, 'preinstall.sh:2');
  assert.equal(await installedPackages(box.dir), before, 'nothing installed');

  const warned = await sandbox(harness, { 'package.json': { name: 'app', version: '1.0.0', private: true, dependencies: { 'dropper-script': '^1.0.0' } }, [POLICY]: { scripts: { content: 'warn' } } });
  const result = await warned.safeNpmJson(['install']);
  assertExit(result, 0);
  assert.is(assertFinding(result, 'install-scripts/dropper', 'dropper-script').severity, 'warn');
  assert.ok(!warned.markerExists('dropper-script-ran.txt'), 'the script did not run');
  assert.equal(result.report.install.scriptsSkipped, ['dropper-script@1.0.0']);
});

scripts('scripts.allow {"scripted-allowed": true}: the allowed one runs, the other still does not', async ({ harness }) => {
  const box = await sandbox(
    harness,
    {
      'package.json': manifest(),
      [POLICY]: { scripts: { allow: { 'scripted-allowed': true } } },
    },
    { runner: 'binary' },
  );
  const result = await box.safeNpmJson(['install']);
  assertExit(result, 0);
  assertNoFinding(result, 'install-scripts/unreviewed', 'scripted-allowed');
  assertFinding(result, 'install-scripts/unreviewed', 'scripted');
  assert.ok(box.markerExists(ALLOWED), `scripted-allowed postinstall ran\n${explain(result)}`);
  assert.match((await readText(join(box.markers, ALLOWED))) ?? '', /scripted-allowed@1\.0\.0 postinstall/);
  assert.ok(!box.markerExists(SCRIPTED), 'scripted postinstall did not run');
  assert.equal(result.report.install.scriptsRun, ['scripted-allowed@1.0.0']);
  assert.equal(result.report.install.scriptsSkipped, ['scripted@1.0.0']);
});

scripts('an allowed script runs exactly once, and not again on later installs that leave its package unchanged (like npm)', async ({ harness }) => {
  const box = await sandbox(
    harness,
    {
      'package.json': { name: 'app', version: '1.0.0', private: true, dependencies: { 'scripted-allowed': '^1.0.0' } },
      [POLICY]: { scripts: { allow: { 'scripted-allowed': true } } },
    },
    { runner: 'binary' },
  );
  const lines = async () => ((await readText(join(box.markers, ALLOWED))) ?? '').split('\n').filter(Boolean);
  const first = await box.safeNpmJson(['install']);
  assertExit(first, 0, 'first install');
  assert.equal(await lines(), ['scripted-allowed@1.0.0 postinstall'], 'ran once on the first install');

  const added = await box.safeNpmJson(['install', 'tiny-dep']);
  assertExit(added, 0, 'install tiny-dep');
  const again = await box.safeNpmJson(['install']);
  assertExit(again, 0, 'install with nothing to change');
  assert.equal(await lines(), ['scripted-allowed@1.0.0 postinstall'], 'not re-run for an unchanged package');
  assert.equal(again.report.install.scriptsRun, [], 'nothing reported as run when nothing ran');
});

scripts('install --package-lock-only writes the lockfile and runs no dependency script (nothing is on disk)', async ({ harness }) => {
  const box = await sandbox(harness, {
    'package.json': { name: 'app', version: '1.0.0', private: true, dependencies: { 'scripted-allowed': '^1.0.0' } },
    [POLICY]: { scripts: { allow: { 'scripted-allowed': true } } },
  });
  const result = await box.safeNpmJson(['install', '--package-lock-only']);
  assertExit(result, 0);
  assert.ok(await readText(join(box.dir, 'package-lock.json')), 'package-lock.json written');
  assert.is((await installedPackages(box.dir)).size, 0, 'nothing installed');
  assert.ok(!box.markerExists(ALLOWED), 'no dependency script ran');
});

scripts('a binding.gyp without scripts is an implicit install script: reported as unreviewed, never built', async ({ harness }) => {
  const box = await sandbox(harness, { 'package.json': { name: 'app', version: '1.0.0', private: true, dependencies: { 'gyp-pkg': '^1.0.0' } } });
  const result = await box.safeNpmJson(['install']);
  assertExit(result, 0);
  const finding = assertFinding(result, 'install-scripts/unreviewed', 'gyp-pkg');
  assert.match(String(finding.data.scripts), /node-gyp rebuild/);
  assert.equal(result.report.install.scriptsRun, []);
  assert.is((await installedPackages(box.dir)).get('node_modules/gyp-pkg'), '1.0.0');
});

scripts('rules {"install-scripts": "block"}: an unreviewed script blocks the install (exit 1, nothing installed)', async ({ harness }) => {
  const box = await sandbox(harness, {
    'package.json': manifest(),
    [POLICY]: { rules: { 'install-scripts': 'block' }, scripts: { allow: { 'scripted-allowed': true } } },
  });
  const result = await box.safeNpmJson(['install']);
  assertExit(result, 1);
  const finding = assertFinding(result, 'install-scripts/unreviewed', 'scripted');
  assert.is(finding.severity, 'block');
  assertNoFinding(result, 'install-scripts/unreviewed', 'scripted-allowed');
  assert.is((await installedPackages(box.dir)).size, 0, 'nothing installed');
  assert.ok(!box.markerExists(SCRIPTED) && !box.markerExists(ALLOWED), 'no script ran');
});

scripts('scripts.allow {"scripted": false}: refused, never runs', async ({ harness }) => {
  const box = await sandbox(
    harness,
    {
      'package.json': manifest({ allowScripts: { scripted: true } }),
      [POLICY]: { scripts: { allow: { scripted: false, 'scripted-allowed': true } } },
    },
    { runner: 'binary' },
  );
  const result = await box.safeNpmJson(['install']);
  assertExit(result, 0);
  const finding = assertFinding(result, 'install-scripts/refused', 'scripted');
  assert.is(finding.severity, 'warn');
  assertNoFinding(result, 'install-scripts/unreviewed', 'scripted');
  assert.ok(!box.markerExists(SCRIPTED), 'the refused script did not run (even though package.json allowScripts says true)');
  assert.ok(box.markerExists(ALLOWED), 'the allowed one ran');
});

scripts('npm\'s own allowScripts {"scripted": true} in package.json makes it run', async ({ harness }) => {
  const box = await sandbox(harness, { 'package.json': manifest({ allowScripts: { scripted: true } }) }, { runner: 'binary' });
  const result = await box.safeNpmJson(['install']);
  assertExit(result, 0);
  assertNoFinding(result, 'install-scripts/unreviewed', 'scripted');
  assertFinding(result, 'install-scripts/unreviewed', 'scripted-allowed');
  assert.ok(box.markerExists(SCRIPTED), `scripted postinstall ran\n${explain(result)}`);
  assert.ok(!box.markerExists(ALLOWED), 'scripted-allowed is not in allowScripts');
  assert.equal(result.report.install.scriptsRun, ['scripted@1.0.0']);
});

scripts('--ignore-scripts runs none: not the allowed ones, not the project\'s own', async ({ harness }) => {
  const box = await sandbox(harness, {
    'package.json': manifest({ allowScripts: { scripted: true }, scripts: { postinstall: markerScript('root-postinstall.txt') } }),
    [POLICY]: { scripts: { allow: { 'scripted-allowed': true } } },
  });
  const result = await box.safeNpmJson(['install', '--ignore-scripts']);
  assertExit(result, 0);
  assert.is((await installedPackages(box.dir)).get('node_modules/scripted'), '1.0.0');
  assert.ok(!box.markerExists(SCRIPTED), 'scripted did not run');
  assert.ok(!box.markerExists(ALLOWED), 'scripted-allowed did not run');
  assert.ok(!box.markerExists('root-postinstall.txt'), 'the root postinstall did not run');
  assert.equal(result.report.install.scriptsRun, []);
});

scripts('the project\'s own postinstall runs after the dependencies are installed (as npm does), for install and ci', async ({ harness }) => {
  const box = await sandbox(
    harness,
    { 'package.json': manifest({ scripts: { postinstall: `${markerScript('root-postinstall.txt')} && node -e "console.log('root postinstall output')"` } }) },
    { runner: 'binary' },
  );
  const result = await box.safeNpm(['install']);
  assertExit(result, 0);
  assert.is(await readText(join(box.markers, 'root-postinstall.txt')), 'after-install', explain(result));
  assert.match(result.stdout, /root postinstall output/, 'the script output is shown');

  // With --json, stdout stays one parseable report even though the script prints.
  await rm(join(box.markers, 'root-postinstall.txt'));
  const json = await box.safeNpmJson(['install']);
  assertExit(json, 0, 'install --json');
  assert.ok(json.report, `stdout is the JSON report only\n${explain(json)}`);
  assert.is(await readText(join(box.markers, 'root-postinstall.txt')), 'after-install');

  await rm(join(box.markers, 'root-postinstall.txt'));
  const ci = await box.safeNpm(['ci']);
  assertExit(ci, 0, 'ci');
  assert.is(await readText(join(box.markers, 'root-postinstall.txt')), 'after-install', explain(ci));
});

scripts('a failing project postinstall fails the install like npm (non-zero exit)', async ({ harness }) => {
  const box = await sandbox(
    harness,
    { 'package.json': { name: 'app', version: '1.0.0', private: true, dependencies: { 'tiny-dep': '^1.0.0' }, scripts: { postinstall: 'exit 7' } } },
    { runner: 'binary' },
  );
  const result = await box.safeNpm(['install']);
  assert.ok(result.code !== 0, `a failing postinstall must not exit 0\n${explain(result)}`);
});

scripts('no code in a project-root .npm-extension runs during check or install', async ({ harness }) => {
  const extension = (file: string) =>
    `require('fs').writeFileSync(require('path').join(process.env.SAFE_NPM_TEST_MARKER_DIR, '${file}'), 'ran');\nmodule.exports = (manifest) => manifest;\n`;
  const extensionMjs = (file: string) =>
    `import { writeFileSync } from 'node:fs';\nimport { rm } from 'node:fs/promises';
import { join } from 'node:path';\nwriteFileSync(join(process.env.SAFE_NPM_TEST_MARKER_DIR, '${file}'), 'ran');\nexport default (manifest) => manifest;\n`;
  const box = await sandbox(harness, {
    'package.json': { name: 'app', version: '1.0.0', private: true, dependencies: { 'tiny-dep': '^1.0.0' } },
    '.npm-extension.js': extension('npm-extension-js-ran.txt'),
    '.npm-extension.cjs': extension('npm-extension-cjs-ran.txt'),
    '.npm-extension.mjs': extensionMjs('npm-extension-mjs-ran.txt'),
  });
  const checked = await box.safeNpmJson(['check']);
  assertExit(checked, 0, 'check');
  const installed = await box.safeNpmJson(['install']);
  assertExit(installed, 0, 'install');
  for (const marker of ['npm-extension-js-ran.txt', 'npm-extension-cjs-ran.txt', 'npm-extension-mjs-ran.txt']) {
    assert.ok(!box.markerExists(marker), `${marker}: a .npm-extension file ran code`);
  }
  assert.is(findingsOf(installed.report, 'install-scripts/unreviewed').length, 0);
});

scripts.run();
