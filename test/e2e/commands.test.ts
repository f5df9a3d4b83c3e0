// npm commands under safe-npm: a command that would install unchecked is
// refused in one line with nothing written, a guarded one is judged, and one
// that cannot install is handed to npm. Refusals and the guarded install run
// the CLI in-process; what is handed to npm (npm writes to the process's own
// stdout) and install-ci-test run the real binary.
import { chmod, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { RunResult } from '../helpers/run-cli.js';
import { diffSnapshots, snapshot } from '../helpers/workspace.js';
import { assertExit, explain, installedPackages, sandbox, startHarness, type Harness } from './support.js';

const commands = suite<{ harness: Harness }>('e2e: npm commands');

commands.before(async (context) => {
  context.harness = await startHarness(['tiny-dep', 'with-dep', 'left-pad'], { runner: 'in-process' });
});
commands.after(async (context) => {
  await context.harness.close();
});

const NOTHING = { added: [], removed: [], changed: [] };

const manifest = (extra: Record<string, unknown> = {}) => ({
  name: 'app',
  version: '1.0.0',
  private: true,
  dependencies: { 'with-dep': '^1.0.0' },
  ...extra,
});

/** Refused: exit 2, one line on stderr with the code and the command, nothing on stdout. */
function assertRefused(result: RunResult, command: string, code = 'EUNGUARDED'): void {
  assertExit(result, 2, command);
  const lines = result.stderr.split('\n').filter((line) => line.trim() !== '');
  assert.is(lines.length, 1, `one line on stderr\n${explain(result)}`);
  assert.ok(lines[0].startsWith(`safe-npm: error ${code}: `), explain(result));
  assert.ok(lines[0].includes(command), `names ${command}\n${explain(result)}`);
  assert.is(result.stdout, '', explain(result));
}

commands('audit fix is refused in one line with the guarded alternative, nothing written', async ({ harness }) => {
  const box = await sandbox(harness, { 'package.json': manifest() });
  assertExit(await box.safeNpmJson(['install']), 0, 'first install');
  const before = await snapshot(box.dir);
  const result = await box.safeNpm(['audit', 'fix']);
  assertRefused(result, 'npm audit fix');
  assert.match(result.stderr, /safe-npm (install|update)/);
  assert.equal(diffSnapshots(before, await snapshot(box.dir)), NOTHING);
});

commands('exec of a package that is not installed is refused; exec of an installed bin is handed to npm', async ({ harness }) => {
  const box = await sandbox(harness, { 'package.json': manifest({ dependencies: {} }) }, { runner: 'binary' });
  const before = await snapshot(box.dir);
  for (const args of [['exec', 'left-pad'], ['x', '--', 'left-pad'], ['exe', 'left-pad']]) {
    assertRefused(await box.safeNpm(args), `npm ${args[0]}`);
  }
  assert.equal(diffSnapshots(before, await snapshot(box.dir)), NOTHING);
  assert.not.ok((await readdir(join(box.home, '.npm')).catch(() => [])).includes('_npx'), 'nothing in the npx cache');

  await mkdir(join(box.dir, 'node_modules', '.bin'), { recursive: true });
  await writeFile(join(box.dir, 'node_modules', '.bin', 'hello'), '#!/bin/sh\necho hello from an installed bin\n');
  await chmod(join(box.dir, 'node_modules', '.bin', 'hello'), 0o755);
  const installed = await box.safeNpm(['exec', 'hello']);
  assertExit(installed, 0, 'exec hello');
  assert.match(installed.stdout, /hello from an installed bin/);
});

commands('-g is refused wherever it stands, and the global folder stays empty', async ({ harness }) => {
  const globalPrefix = await harness.tempDir('safe-npm-global-');
  const box = await sandbox(harness, { 'package.json': manifest() }, { extra: { npm_config_prefix: globalPrefix } });
  const before = await snapshot(box.dir);
  for (const args of [['-g', 'install', 'left-pad'], ['install', 'left-pad', '--global'], ['i', '--location=global', 'left-pad']]) {
    assertRefused(await box.safeNpm(args), 'npm ');
  }
  assert.equal(await readdir(globalPrefix), [], 'nothing in the global prefix');
  assert.equal(diffSnapshots(before, await snapshot(box.dir)), NOTHING);
});

commands('a flag value before the command is never taken for the command: the command is the one npm would run, guarded', async ({ harness }) => {
  const box = await sandbox(harness, { 'package.json': manifest() });
  const result = await box.safeNpmJson(['--loglevel', 'warn', '--registry', harness.registry.url, 'install', 'left-pad']);
  assertExit(result, 0, explain(result));
  assert.is(result.report.command, 'install');
  assert.is((await installedPackages(box.dir)).get('node_modules/left-pad'), '1.3.0');
});

commands('install-ci-test is guarded: a blocked lockfile is not installed and the tests do not run; a clean one is, then npm test', async ({ harness }) => {
  const box = await sandbox(
    harness,
    { 'package.json': manifest({ scripts: { test: 'node -e "require(\'fs\').writeFileSync(\'tested.txt\', \'yes\')"' } }) },
    { runner: 'binary' },
  );
  assertExit(await box.safeNpmJson(['install', '--package-lock-only']), 0, 'write the lockfile');
  await writeFile(join(box.dir, '.safe-npmrc.json'), JSON.stringify({ packages: { deny: ['tiny-dep'] } }));
  const blocked = await box.safeNpm(['install-ci-test']);
  assertExit(blocked, 1, 'install-ci-test with tiny-dep denied');
  assert.is((await installedPackages(box.dir)).size, 0, 'nothing installed');
  assert.not.ok((await readdir(box.dir)).includes('tested.txt'), 'npm test did not run');

  await writeFile(join(box.dir, '.safe-npmrc.json'), '{}');
  const clean = await box.safeNpm(['cit']);
  assertExit(clean, 0, 'cit');
  assert.is((await installedPackages(box.dir)).get('node_modules/tiny-dep'), '1.2.0');
  assert.ok((await readdir(box.dir)).includes('tested.txt'), 'npm test ran');
});

commands('ls and run are handed to npm with its output and exit code', async ({ harness }) => {
  const box = await sandbox(harness, { 'package.json': manifest({ scripts: { hello: 'node -e "console.log(\'hi from run\')"' } }) }, { runner: 'binary' });
  const ls = await box.safeNpm(['ls']);
  assert.match(ls.stdout, /app@1\.0\.0/, explain(ls));
  const run = await box.safeNpm(['run', 'hello']);
  assertExit(run, 0, 'run hello');
  assert.match(run.stdout, /hi from run/);
});

commands.run();
