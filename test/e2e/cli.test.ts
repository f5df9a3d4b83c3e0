// The command line: exit codes, one-line errors without stack traces, nothing
// written on a usage or policy error, the organisation floor, `policy --json`,
// --version, and commands handed to npm unchanged.
//
// Most tests call the CLI in-process (their subject is what safe-npm answers);
// through the real binary: a bad policy (exit 2 from the process for install,
// check and ci), check on a clean project, policy --json, --version, a command
// handed to npm (npm's output is the process's own), a run from a
// sub-directory (the process's cwd), and policy code that must never run.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runSafeNpm, type RunResult } from '../helpers/run-cli.js';
import { diffSnapshots, snapshot } from '../helpers/workspace.js';
import { assertExit, codes, explain, installedPackages, SAFE_NPM_VERSION, sandbox, startHarness, type Harness } from './support.js';

const cli = suite<{ harness: Harness }>('e2e: command line');

cli.before(async (context) => {
  context.harness = await startHarness(['tiny-dep', 'with-dep', 'left-pad'], { runner: 'in-process' });
});
cli.after(async (context) => {
  await context.harness.close();
});

const manifest = (extra: Record<string, unknown> = {}) => ({
  name: 'app',
  version: '1.0.0',
  private: true,
  dependencies: { 'with-dep': '^1.0.0' },
  ...extra,
});

/** stderr is exactly one non-empty line, without a stack trace. */
function assertOneLineError(result: RunResult, mentions?: string | RegExp): string {
  const lines = result.stderr.split('\n').filter((line) => line.trim() !== '');
  assert.is(lines.length, 1, `one line on stderr\n${explain(result)}`);
  assert.not.match(result.stderr, /^\s+at /m, `no stack trace\n${explain(result)}`);
  if (mentions) {
    if (typeof mentions === 'string') assert.ok(lines[0].includes(mentions), `stderr names ${mentions}\n${explain(result)}`);
    else assert.match(lines[0], mentions);
  }
  return lines[0];
}

const NOTHING = { added: [], removed: [], changed: [] };

cli('a bad policy file (minimumReleaseAge.age "3 days") → exit 2, one line naming minimumReleaseAge.age, nothing written or fetched', async ({ harness }) => {
  const box = await sandbox(
    harness,
    {
      'package.json': manifest(),
      '.safe-npmrc.json': { minimumReleaseAge: { age: '3 days' } },
    },
    { runner: 'binary' },
  );
  const before = await snapshot(box.dir);
  harness.registry.requests.length = 0;
  for (const args of [['install'], ['install', '--json'], ['check'], ['ci'], ['install', 'left-pad']]) {
    const result = await box.safeNpm(args);
    assertExit(result, 2, args.join(' '));
    assertOneLineError(result, 'minimumReleaseAge.age');
  }
  assert.equal(diffSnapshots(before, await snapshot(box.dir)), NOTHING);
  assert.equal(harness.registry.requests, [], 'a bad policy stops before any registry request');
});

cli('invalid JSON in package.json → exit 2, one line, nothing written', async ({ harness }) => {
  const box = await sandbox(harness, { 'package.json': '{ "name": "app", "dependencies": { "with-dep": "^1.0.0", }\n' });
  const before = await snapshot(box.dir);
  for (const args of [['install'], ['check'], ['install', 'left-pad']]) {
    const result = await box.safeNpm(args);
    assertExit(result, 2, args.join(' '));
    assertOneLineError(result, 'package.json');
  }
  assert.equal(diffSnapshots(before, await snapshot(box.dir)), NOTHING);
});

cli('invalid JSON in package-lock.json → exit 2, one line naming it, nothing written (not read as a missing lockfile)', async ({ harness }) => {
  const box = await sandbox(harness, { 'package.json': manifest(), 'package-lock.json': '{ "lockfileVersion": 3, "packages": {\n' });
  const before = await snapshot(box.dir);
  for (const args of [['install'], ['ci'], ['check', '--lockfile']]) {
    const result = await box.safeNpm(args);
    assertExit(result, 2, args.join(' '));
    assertOneLineError(result, 'package-lock.json: invalid JSON');
  }
  assert.equal(diffSnapshots(before, await snapshot(box.dir)), NOTHING);
});

cli('an organisation policy (SAFE_NPM_ORG_POLICY) is a floor: a shorter project age → exit 2 naming minimumReleaseAge.age; a longer one applies', async ({ harness }) => {
  const org = join(await harness.tempDir('safe-npm-org-'), 'org-policy.json');
  await writeFile(org, JSON.stringify({ minimumReleaseAge: { age: '5d' } }));

  const loosened = await sandbox(harness, { 'package.json': manifest(), '.safe-npmrc.json': { minimumReleaseAge: { age: '1d' } } }, { extra: { SAFE_NPM_ORG_POLICY: org } });
  const before = await snapshot(loosened.dir);
  for (const args of [['install'], ['policy']]) {
    const result = await loosened.safeNpm(args);
    assertExit(result, 2, args.join(' '));
    assertOneLineError(result, 'minimumReleaseAge.age');
  }
  assert.equal(diffSnapshots(before, await snapshot(loosened.dir)), NOTHING);

  // The --org-policy flag is the same floor.
  const viaFlag = await loosened.safeNpm(['check', '--org-policy', org], { SAFE_NPM_ORG_POLICY: undefined });
  assertExit(viaFlag, 2, 'check --org-policy');
  assertOneLineError(viaFlag, 'minimumReleaseAge.age');

  const tightened = await sandbox(harness, { 'package.json': manifest(), '.safe-npmrc.json': { minimumReleaseAge: { age: '7d' } } }, { extra: { SAFE_NPM_ORG_POLICY: org } });
  const result = await tightened.safeNpmJson(['install']);
  assertExit(result, 0, 'a project tightening the floor');
  assert.equal(codes(result.report), []);
});

cli('safe-npm policy --json shows the effective policy and where each setting came from', async ({ harness }) => {
  const orgDir = await harness.tempDir('safe-npm-org-');
  const org = join(orgDir, 'org-policy.json');
  await writeFile(org, JSON.stringify({ packages: { deny: ['evil-pkg'] }, minimumReleaseAge: { age: '5d' } }));
  const box = await sandbox(
    harness,
    { 'package.json': manifest(), '.safe-npmrc.json': { minimumReleaseAge: { age: '7d' }, rules: { 'install-scripts': 'block' } } },
    { extra: { SAFE_NPM_ORG_POLICY: org }, runner: 'binary' },
  );
  const result = await box.safeNpm(['policy', '--json']);
  assertExit(result, 0);
  const report = JSON.parse(result.stdout);
  assert.equal(report.files, [org, '.safe-npmrc.json']);
  assert.is(report.policy.minimumReleaseAge.age, '7d');
  assert.equal(report.policy.packages.deny, ['evil-pkg']);
  assert.is(report.policy.rules['install-scripts'], 'block');
  assert.is(report.origins['minimumReleaseAge.age'], '.safe-npmrc.json');
  assert.is(report.origins['rules.install-scripts'], '.safe-npmrc.json');
  assert.is(report.origins['packages.deny'], org);
  assert.is(report.origins['rules.registries'], 'default');
  assert.equal(report.policy.registries.allowed, [harness.registry.url], 'allowed defaults to the registry npm is configured with');

  // Without any policy file: the embedded default, every origin "default".
  const plain = await sandbox(harness, { 'package.json': manifest() });
  const defaults = JSON.parse((await plain.safeNpm(['policy', '--json'])).stdout);
  assert.equal(defaults.files, []);
  assert.is(defaults.policy.minimumReleaseAge.age, '3d');
  assert.ok(Object.values(defaults.origins).every((origin) => origin === 'default'));
});

cli('safe-npm policy as text shows a setting whose key has a dot (scripts.allow."esbuild@0.25.0") with its value', async ({ harness }) => {
  const box = await sandbox(harness, { 'package.json': manifest(), '.safe-npmrc.json': { scripts: { allow: { 'esbuild@0.25.0': true, 'left-pad': false } } } });
  const result = await box.safeNpm(['policy']);
  assertExit(result, 0);
  assert.match(result.stdout, /scripts\.allow\."esbuild@0\.25\.0"\s+true\s+\(\.safe-npmrc\.json\)/);
  assert.match(result.stdout, /scripts\.allow\.left-pad\s+false\s+\(\.safe-npmrc\.json\)/);
  assert.not.match(result.stdout, /undefined/);
});

cli('safe-npm --version prints the package version first, then the npm it hands commands to', async ({ harness }) => {
  const box = await sandbox(harness, {}, { runner: 'binary' });
  const result = await box.safeNpm(['--version']);
  assertExit(result, 0);
  assert.is(result.stdout.trim().split(' ')[0], SAFE_NPM_VERSION);
  const npmVersion = (await box.npm(['--version'])).stdout.trim();
  assert.is(result.stdout.trim(), `${SAFE_NPM_VERSION} (npm ${npmVersion})`);
});

cli('an unknown command (run) is handed to npm, with its output and its exit code', async ({ harness }) => {
  const box = await sandbox(
    harness,
    { 'package.json': manifest({ scripts: { hello: 'node -e "console.log(\'hello from the app\')"', fail: 'exit 3' } }) },
    { runner: 'binary' },
  );
  const hello = await box.safeNpm(['run', 'hello']);
  assertExit(hello, 0, 'run hello');
  assert.match(hello.stdout, /hello from the app/);
  const fail = await box.safeNpm(['run', 'fail']);
  assertExit(fail, 3, 'run fail');
  assert.is((await installedPackages(box.dir)).size, 0, 'run installs nothing');
});

cli('safe-npm check without arguments exits 0 on a clean project and writes nothing', async ({ harness }) => {
  const box = await sandbox(harness, { 'package.json': manifest() }, { runner: 'binary' });
  const before = await snapshot(box.dir);
  const result = await box.safeNpm(['check']);
  assertExit(result, 0);
  assert.equal(diffSnapshots(before, await snapshot(box.dir)), NOTHING);
});

cli('--format sarif: one SARIF 2.1.0 document whose rule ids are the finding codes', async ({ harness }) => {
  const box = await sandbox(harness, {
    'package.json': manifest(),
    '.safe-npmrc.json': { packages: { deny: ['tiny-dep'] } },
  });
  const result = await box.safeNpm(['check', '--format', 'sarif']);
  assertExit(result, 1);
  const sarif = JSON.parse(result.stdout);
  assert.is(sarif.version, '2.1.0');
  const [run] = sarif.runs;
  assert.is(run.tool.driver.name, 'safe-npm');
  const result0 = run.results.find((entry: any) => entry.ruleId === 'packages/denied');
  assert.ok(result0, result.stdout);
  assert.is(result0.level, 'error');
  assert.is(run.tool.driver.rules[result0.ruleIndex].id, 'packages/denied');
  assert.is(result0.locations[0].logicalLocations[0].fullyQualifiedName, 'app > with-dep > tiny-dep');
  assertExit(await box.safeNpm(['check', '--format', 'xml']), 2);
});

cli('--format cyclonedx: an SBOM of the judged tree with purls, hashes and the findings per component', async ({ harness }) => {
  const box = await sandbox(harness, { 'package.json': manifest(), '.safe-npmrc.json': { rules: { packages: 'warn' }, packages: { deny: ['tiny-dep'] } } });
  const result = await box.safeNpm(['check', '--format', 'cyclonedx']);
  assertExit(result, 0);
  const bom = JSON.parse(result.stdout);
  assert.is(bom.bomFormat, 'CycloneDX');
  assert.is(bom.metadata.component.name, 'app');
  const names = bom.components.map((component: any) => `${component.name}@${component.version}`).sort();
  assert.equal(names, ['tiny-dep@1.2.0', 'with-dep@1.0.0']);
  const tiny = bom.components.find((component: any) => component.name === 'tiny-dep');
  assert.is(tiny.purl, 'pkg:npm/tiny-dep@1.2.0');
  assert.is(tiny.hashes[0].alg, 'SHA-512');
  assert.ok(tiny.properties.some((property: any) => property.name === 'safe-npm:finding' && property.value === 'warn:packages/denied'));
});

cli('--policy pointing at a missing file → exit 2, one line', async ({ harness }) => {
  const box = await sandbox(harness, { 'package.json': manifest() });
  const before = await snapshot(box.dir);
  for (const args of [['install', '--policy', 'missing-policy.json'], ['check', '--policy=missing-policy.json'], ['policy', '--policy', 'missing-policy.json']]) {
    const result = await box.safeNpm(args);
    assertExit(result, 2, args.join(' '));
    assertOneLineError(result, 'missing-policy.json');
  }
  assert.equal(diffSnapshots(before, await snapshot(box.dir)), NOTHING);
});

cli('usage errors exit 2 and write nothing: unguarded installers, ci without a lockfile, check with specs, -g', async ({ harness }) => {
  const box = await sandbox(harness, { 'package.json': manifest() });
  const before = await snapshot(box.dir);
  for (const args of [['find-dupes'], ['exec', 'left-pad'], ['dedupe', 'left-pad'], ['ci'], ['check', '--lockfile'], ['check', 'left-pad'], ['install', '-g', 'left-pad']]) {
    const result = await box.safeNpm(args);
    assertExit(result, 2, args.join(' '));
    assertOneLineError(result);
  }
  assert.equal(diffSnapshots(before, await snapshot(box.dir)), NOTHING);
});

cli('ci with package.json and package-lock.json out of sync → exit 2, nothing written', async ({ harness }) => {
  const box = await sandbox(harness, { 'package.json': manifest() });
  assertExit(await box.safeNpmJson(['install']), 0, 'first install');
  const manifestPath = join(box.dir, 'package.json');
  await writeFile(manifestPath, `${JSON.stringify(manifest({ dependencies: { 'with-dep': '^1.0.0', 'left-pad': '^1.0.0' } }), null, 2)}\n`);
  const before = await snapshot(box.dir);
  const result = await box.safeNpm(['ci']);
  assertExit(result, 2);
  assertOneLineError(result);
  assert.equal(diffSnapshots(before, await snapshot(box.dir)), NOTHING);
});

cli('run from a sub-directory, install works on the project root (like npm) and finds its policy', async ({ harness }) => {
  const box = await sandbox(harness, {
    'package.json': manifest(),
    '.safe-npmrc.json': { packages: { deny: ['left-pad'] } },
    'src/index.js': '',
  });
  const sub = join(box.dir, 'src');
  const denied = await runSafeNpm(['install', 'left-pad', '--json'], { cwd: sub, env: box.env });
  assertExit(denied, 1, 'install left-pad from src/');
  assert.ok(codes(JSON.parse(denied.stdout)).includes('packages/denied'));
  const result = await runSafeNpm(['install', '--json'], { cwd: sub, env: box.env });
  assertExit(result, 0, 'install from src/');
  assert.is((await installedPackages(box.dir)).get('node_modules/with-dep'), '1.0.0');
  assert.is((await installedPackages(sub)).size, 0, 'nothing installed in the sub-directory');
});

cli('a policy file with code from outside the project (--policy, SAFE_NPM_ORG_POLICY) is refused with exit 2 and never run', async ({ harness }) => {
  const outside = await harness.tempDir('safe-npm-outside-');
  // The binary: policy code that did run would run in this process.
  const box = await sandbox(harness, { 'package.json': manifest() }, { runner: 'binary' });
  const policyJs = (marker: string) =>
    `require('fs').writeFileSync(require('path').join(process.env.SAFE_NPM_TEST_MARKER_DIR, '${marker}'), 'ran');\nmodule.exports = {};\n`;
  await writeFile(join(outside, 'policy.js'), policyJs('policy-js-ran.txt'));
  await writeFile(join(outside, 'org-policy.cjs'), policyJs('org-policy-js-ran.txt'));
  const before = await snapshot(box.dir);
  const viaFlag = await box.safeNpm(['install', '--policy', join(outside, 'policy.js')]);
  assertExit(viaFlag, 2, '--policy outside/policy.js');
  assertOneLineError(viaFlag);
  const viaEnv = await box.safeNpm(['install'], { SAFE_NPM_ORG_POLICY: join(outside, 'org-policy.cjs') });
  assertExit(viaEnv, 2, 'SAFE_NPM_ORG_POLICY=outside/org-policy.cjs');
  assertOneLineError(viaEnv);
  assert.ok(!box.markerExists('policy-js-ran.txt'), 'the --policy file ran');
  assert.ok(!box.markerExists('org-policy-js-ran.txt'), 'the organisation policy file ran');
  assert.equal(diffSnapshots(before, await snapshot(box.dir)), NOTHING);
});

cli('a policy in package.json ("safe-npm" key) is discovered', async ({ harness }) => {
  const box = await sandbox(harness, { 'package.json': manifest({ 'safe-npm': { packages: { deny: ['tiny-dep'] } } }) });
  const result = await box.safeNpmJson(['check']);
  assertExit(result, 1);
  assert.equal(result.report.policy.files, ['package.json#safe-npm']);
  assert.ok(codes(result.report).includes('packages/denied'), explain(result));
});

cli.run();
