// The command line as a replacement for npm: option typos, npm's version when
// invoked as npm, no recursion into a wrapper named npm, and the progress line
// on a real terminal (a pty from `script`). Typos, hints and policy problems
// run the CLI in-process; what goes through npm (its output is the process's
// own), a link named npm and the terminal run the real binary.
import { spawnSync } from 'node:child_process';
import { chmod, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { hasTerminalRunner, runSafeNpmOnTerminal, safeNpmBin } from '../helpers/run-cli.js';
import { readJson } from '../helpers/workspace.js';
import { assertExit, explain, sandbox, SAFE_NPM_VERSION, startHarness, type Harness } from './support.js';

const ux = suite<{ harness: Harness }>('e2e: command line as npm');

ux.before(async (context) => {
  context.harness = await startHarness(['tiny-dep', 'with-dep', 'left-pad', 'jqeury', 'scripted'], { runner: 'in-process' });
});
ux.after(async (context) => {
  await context.harness.close();
});

const manifest = { name: 'app', version: '1.0.0', private: true, dependencies: { 'with-dep': '^1.0.0' }, scripts: { hello: 'node -e "console.log(\'hi from run\')"' } };

ux('--polciy x.json: exit 2 with a did-you-mean, nothing installed (not a package named x.json)', async ({ harness }) => {
  const box = await sandbox(harness, { 'package.json': manifest });
  for (const args of [['install', '--polciy', 'x.json'], ['--polciy', 'x.json', 'install'], ['check', '--lockfil']]) {
    const result = await box.safeNpm(args);
    assertExit(result, 2, args.join(' '));
    const lines = result.stderr.trim().split('\n');
    assert.is(lines.length, 1, explain(result));
    assert.match(lines[0], /^safe-npm: error EUSAGE: unknown option --(polciy|lockfil): did you mean --(policy|lockfile)\?$/);
  }
  assert.equal(harness.registry.requests.filter((request) => request.url.includes('x.json')), []);
});

ux('install --save-deV left-pad: npm\'s warning and a did-you-mean line; saved where npm saves it (dependencies)', async ({ harness }) => {
  const box = await sandbox(harness, { 'package.json': manifest });
  const result = await box.safeNpm(['install', '--save-deV', 'left-pad']);
  assertExit(result, 0, explain(result));
  assert.ok(result.stderr.includes('npm warn Unknown cli config "--save-deV". This will stop working in the next major version of npm.\nsafe-npm: warn --save-deV is not an npm option, so npm ignores it: did you mean --save-dev?\n'), explain(result));
  const saved = await readJson(join(box.dir, 'package.json'));
  assert.ok(saved.dependencies['left-pad'], 'as npm: the typo does not make it a devDependency');
});

ux('install jqeury (typed): the hint says what was typed; scripted without a policy file: the file and JSON to create', async ({ harness }) => {
  const box = await sandbox(harness, { 'package.json': manifest });
  const typed = await box.safeNpmJson(['install', 'jqeury']);
  assertExit(typed, 1, explain(typed));
  const squat = typed.report.findings.find((finding: any) => finding.code === 'typosquatting/imitates');
  assert.is(squat.hint, 'You typed jqeury; did you mean jquery? If jqeury is genuine, add it to typosquatting.allow.');

  const scripted = await box.safeNpmJson(['install', 'scripted']);
  assertExit(scripted, 0, explain(scripted));
  const unreviewed = scripted.report.findings.find((finding: any) => finding.code === 'install-scripts/unreviewed');
  assert.is(unreviewed.hint, 'Review the script; if it is needed, create .safe-npmrc.json with {"scripts":{"allow":{"scripted":true}}} (or safe-npm approve scripted --rule install-scripts --reason "…"), then run safe-npm rebuild scripted.');
  assert.not.ok(box.markerExists('scripted-ran.txt'));
});

ux('a policy with several problems: every one, one line each, the first with the count', async ({ harness }) => {
  const box = await sandbox(harness, { 'package.json': manifest, '.safe-npmrc.json': { minimumReleaseAge: { age: '3 days' }, rules: { packages: 'nope' } } });
  const result = await box.safeNpm(['check']);
  assertExit(result, 2, explain(result));
  const lines = result.stderr.trim().split('\n');
  assert.is(lines.length, 2, explain(result));
  assert.match(lines[0], /^safe-npm: error EPOLICYINVALID: \.safe-npmrc\.json: 2 problems: /);
  assert.match(lines[1], /^safe-npm: error \.safe-npmrc\.json: /);
  assert.match(result.stderr, /minimumReleaseAge\.age/);
  assert.match(result.stderr, /rules\.packages/);
});

ux('invoked as npm (SAFE_NPM_AS_NPM=1, or a link named npm): --version is npm\'s own', async ({ harness }) => {
  const box = await sandbox(harness, { 'package.json': manifest }, { runner: 'binary' });
  const npmVersion = (await box.npm(['--version'])).stdout.trim();
  assert.match(npmVersion, /^\d+\.\d+\.\d+$/);
  const viaEnv = await box.safeNpm(['--version'], { SAFE_NPM_AS_NPM: '1' });
  assertExit(viaEnv, 0, explain(viaEnv));
  assert.is(viaEnv.stdout.trim(), npmVersion);
  const viaEnvShort = await box.safeNpm(['-v'], { SAFE_NPM_AS_NPM: '1' });
  assert.is(viaEnvShort.stdout.trim(), npmVersion);

  const bin = join(box.root, 'bin');
  await mkdir(bin, { recursive: true });
  await symlink(safeNpmBin, join(bin, 'npm'));
  const viaLink = spawnSync(process.execPath, [join(bin, 'npm'), '--version'], { cwd: box.dir, env: box.env, encoding: 'utf8' });
  assert.is(viaLink.status, 0, viaLink.stderr);
  assert.is(viaLink.stdout.trim(), npmVersion);
  // As safe-npm: its own version first.
  assert.is((await box.safeNpm(['--version'])).stdout.split(' ')[0], SAFE_NPM_VERSION);
});

ux('a wrapper named npm that calls safe-npm: commands still reach npm, never safe-npm again', async ({ harness }) => {
  const box = await sandbox(harness, { 'package.json': manifest }, { runner: 'binary' });
  const bin = join(box.root, 'wrapper-bin');
  await mkdir(bin, { recursive: true });
  const wrapper = join(bin, 'npm');
  await writeFile(wrapper, `#!/bin/sh\nexec "${process.execPath}" "${safeNpmBin}" "$@"\n`);
  await chmod(wrapper, 0o755);
  await symlink(safeNpmBin, join(bin, 'npm-link'));
  const path = `${bin}:${box.env.PATH}`;

  // The wrapper first on PATH: npm is found beside node, so run works.
  const run = await box.safeNpm(['run', 'hello'], { PATH: path });
  assertExit(run, 0, explain(run));
  assert.match(run.stdout, /hi from run/);

  // Told to use the wrapper itself: the hand-over is recognised, one clear error instead of a loop.
  const loop = await box.safeNpm(['run', 'hello'], { PATH: path, SAFE_NPM_NPM: wrapper });
  assertExit(loop, 2, explain(loop));
  assert.match(loop.stderr, /safe-npm: error ENPMLOOP: the npm safe-npm ran is safe-npm again/);

  // A link to safe-npm as SAFE_NPM_NPM is refused at once.
  const link = await box.safeNpm(['run', 'hello'], { SAFE_NPM_NPM: join(bin, 'npm-link') });
  assertExit(link, 2, explain(link));
  assert.match(link.stderr, /safe-npm: error ENONPM: SAFE_NPM_NPM=.* is safe-npm itself/);

  // SAFE_NPM_NPM naming npm's own CLI is used.
  const npmCli = spawnSync(process.execPath, ['-e', 'console.log(require.resolve("npm/bin/npm-cli.js", { paths: [require("path").join(process.execPath, "../../lib/node_modules")] }))'], { encoding: 'utf8' }).stdout.trim();
  const direct = await box.safeNpm(['run', 'hello'], { SAFE_NPM_NPM: npmCli });
  assertExit(direct, 0, explain(direct));
  assert.match(direct.stdout, /hi from run/);
});

ux('on a terminal (a pty from script): the progress line is drawn and erased; none with CI set', async () => {
  if (!hasTerminalRunner()) return; // no util-linux script here
  // A slow registry: like npm, nothing is drawn for work under 200 ms.
  const harness = await startHarness(['tiny-dep', 'with-dep'], { delayMs: 300 });
  try {
    await progressOnTty(harness);
  } finally {
    await harness.close();
  }
});

async function progressOnTty(harness: Harness): Promise<void> {
  const box = await sandbox(harness, { 'package.json': manifest });
  // Asynchronously: the fixture registry answers from this process.
  const onTty = async (env: NodeJS.ProcessEnv) => {
    const { status, output } = await runSafeNpmOnTerminal(['check'], { cwd: box.dir, env });
    return { status, stdout: output };
  };
  const shown = await onTty({ ...box.env, CI: '', TERM: 'xterm' });
  assert.is(shown.status, 0, shown.stdout);
  assert.match(shown.stdout, /safe-npm: resolving the dependency tree/);
  assert.match(shown.stdout, /\r\x1b\[K[^\r]*gathering facts for 2 packages[^\r]*\(2\/2\)/);
  // Erased before the report.
  assert.match(shown.stdout, /\r\x1b\[Ksafe-npm: checked 2 packages/);
  const inCi = await onTty({ ...box.env, CI: 'true', TERM: 'xterm' });
  assert.is(inCi.status, 0, inCi.stdout);
  assert.not.match(inCi.stdout, /\x1b\[K/);
}

ux.run();
