// The preinstall hook under npm 12 (run by test/npm12/run.mjs with node 22
// and npm 12 first on PATH): npm 12 runs the root preinstall before it
// fetches anything, so a blocked npm install or npm ci writes nothing.
import { existsSync } from 'node:fs';
import { symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { assertExit, explain, installedPackages, sandbox, startHarness, type Harness } from '../e2e/support.js';
import { safeNpmBin } from '../helpers/run-cli.js';

const npm12 = suite<{ harness: Harness; path: string }>('npm 12: preinstall hook before reify');

npm12.before(async (context) => {
  context.harness = await startHarness(['young-cli', 'tiny-dep']);
  const bin = await context.harness.tempDir('safe-npm-bin-');
  await symlink(safeNpmBin, join(bin, 'safe-npm'));
  context.path = `${bin}:${process.env.PATH}`;
});
npm12.after(async (context) => {
  await context.harness.close();
});

const manifest = (dependencies: Record<string, string>) => ({ name: 'app', version: '1.0.0', private: true, scripts: { preinstall: 'safe-npm hook' }, dependencies });

npm12('this is npm 12', async (context) => {
  const box = await sandbox(context.harness, { 'package.json': manifest({}) }, { extra: { PATH: context.path } });
  const version = await box.npm(['--version']);
  assert.match(version.stdout, /^12\./, explain(version));
});

npm12('npm install of a blocked tree stops in the hook: no node_modules, no lockfile written', async (context) => {
  const box = await sandbox(context.harness, { 'package.json': manifest({ 'young-cli': '1.0.0', 'tiny-dep': '^1.0.0' }) }, { extra: { PATH: context.path } });
  const install = await box.npm(['install']);
  assert.is.not(install.code, 0, explain(install));
  assert.match(install.stderr, /runs this hook before installing, so npm install stops here/);
  assert.not.ok(existsSync(join(box.dir, 'node_modules')), 'nothing installed');
  assert.not.ok(existsSync(join(box.dir, 'package-lock.json')), 'no lockfile written');
});

npm12('npm ci of a lockfile with a blocked package stops in the hook: nothing installed', async (context) => {
  const box = await sandbox(context.harness, { 'package.json': manifest({ 'young-cli': '1.0.0', 'tiny-dep': '^1.0.0' }) }, { extra: { PATH: context.path } });
  assertExit(await box.npm(['install', '--package-lock-only', '--ignore-scripts']), 0, 'writing the lockfile');
  const ci = await box.npm(['ci']);
  assert.is.not(ci.code, 0, explain(ci));
  assert.match(ci.stderr, /so npm ci stops here/);
  assert.is((await installedPackages(box.dir)).size, 0, 'nothing installed');
});

npm12('a clean tree installs', async (context) => {
  const box = await sandbox(context.harness, { 'package.json': manifest({ 'tiny-dep': '^1.0.0' }) }, { extra: { PATH: context.path } });
  const install = await box.npm(['install']);
  assertExit(install, 0, 'npm install');
  assert.match(install.stderr, /safe-npm hook: the tree npm would install passes the policy/);
  assert.is((await installedPackages(box.dir)).get('node_modules/tiny-dep'), '1.2.0');
});

npm12.run();
