// safe-npm approve through the real binary: a blocked install, the approval
// written to the project policy, then a clean install of the same tree; the
// interactive offer on a pseudo-terminal (util-linux script), and never one
// without a terminal or in CI.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { hasTerminalRunner, runSafeNpmOnTerminal } from '../helpers/run-cli.js';
import { assertExit, assertFinding, assertNoFinding, installedPackages, sandbox, startHarness, type Harness } from './support.js';

const approve = suite<{ harness: Harness }>('e2e: approve');

approve.before(async (context) => {
  context.harness = await startHarness(['fresh-only', 'tiny-dep', 'scripted', 'fresh-pkg']);
  // A young release whose dependency has a young and a mature version.
  await context.harness.registry.publish('young-app', { version: '1.0.0', publishedAt: '-1h', dependencies: { 'fresh-pkg': '^1.0.0' } });
});
approve.after(async (context) => {
  await context.harness.close();
});

const manifest = (dependencies: Record<string, string>) => ({ name: 'app', version: '1.0.0', private: true, dependencies });

approve('round trip: blocked install → approve → clean install of the same tree; a YAML policy keeps its comments', async ({ harness }) => {
  const policy = '# the team policy\nminimumReleaseAge:\n  age: 3d # the default, said out loud\n';
  const box = await sandbox(harness, { 'package.json': manifest({ 'fresh-only': '1.0.0', 'tiny-dep': '^1.0.0' }), '.safe-npmrc.yaml': policy });
  const blocked = await box.safeNpmJson(['install']);
  assertExit(blocked, 1, 'first install');
  assertFinding(blocked, 'minimum-release-age/too-young', 'fresh-only');
  assert.is((await installedPackages(box.dir)).size, 0, 'nothing installed while blocked');

  const approved = await box.safeNpm(['approve', 'fresh-only@1.0.0', '--rule', 'minimum-release-age', '--reason', 'hotfix reviewed by security', '--expires', '30d']);
  assertExit(approved, 0, 'approve');
  assert.match(approved.stdout, /exception for fresh-only@1\.0\.0 from minimum-release-age until \d{4}-\d{2}-\d{2}: added to \.safe-npmrc\.yaml/);
  const written = await readFile(join(box.dir, '.safe-npmrc.yaml'), 'utf8');
  assert.ok(written.startsWith(policy), `the file as it was comes first, comments and all:\n${written}`);
  assert.match(written, /exceptions:\n {2}- package: fresh-only@1\.0\.0\n {4}rule: minimum-release-age\n {4}reason: hotfix reviewed by security\n {4}expires: "\d{4}-\d{2}-\d{2}"\n$/);

  const clean = await box.safeNpmJson(['install']);
  assertExit(clean, 0, 'install after the approval');
  assertNoFinding(clean, 'minimum-release-age/too-young', 'fresh-only');
  assert.equal(clean.report.waived.map((entry: any) => [entry.code, entry.reason, entry.source]), [['minimum-release-age/too-young', 'hotfix reviewed by security', '.safe-npmrc.yaml']]);
  assert.is((await installedPackages(box.dir)).get('node_modules/fresh-only'), '1.0.0');
});

approve('approving a young exact pin keeps the age gate for the rest of the tree: its dependency still resolves to a mature version', async ({ harness }) => {
  const box = await sandbox(harness, { 'package.json': manifest({ 'young-app': '1.0.0' }) });
  const blocked = await box.safeNpmJson(['install']);
  assertExit(blocked, 1, 'first install');
  assertFinding(blocked, 'minimum-release-age/too-young', 'young-app');
  assertExit(await box.safeNpm(['approve', 'young-app@1.0.0', '--rule', 'minimum-release-age', '--reason', 'our own release']), 0, 'approve');
  const clean = await box.safeNpmJson(['install']);
  assertExit(clean, 0, 'install after the approval');
  const installed = await installedPackages(box.dir);
  assert.is(installed.get('node_modules/young-app'), '1.0.0');
  assert.is(installed.get('node_modules/fresh-pkg'), '1.0.0', 'the 2-hour-old fresh-pkg@1.1.0 was not taken');
});

approve('bad input: exit 2, one line, nothing written', async ({ harness }) => {
  const box = await sandbox(harness, { 'package.json': manifest({}) });
  const cases: Array<[string[], RegExp]> = [
    [['approve', 'fresh-only', '--rule', 'minimum-release-ag', '--reason', 'x'], /EUSAGE: approve: unknown rule "minimum-release-ag": did you mean minimum-release-age\?/],
    [['approve', 'fresh-only@latest', '--rule', 'packages', '--reason', 'x'], /"latest" is not a semver version or range/],
    [['approve', 'fresh-only', '--rule', 'packages', '--reason', 'x', '--expires', 'soon'], /--expires "soon" is neither a date like 2026-12-31 nor a span like 30d/],
    [['approve', 'fresh-only', '--rule', 'packages'], /approve needs --reason/],
    [['approve', 'fresh-only', '--rule', 'packages', '--reasn', 'x'], /unknown option --reasn: did you mean --reason\?/],
    [['approve', 'scripted', '--rule', 'install-scripts', '--reason', 'x', '--expires', '30d'], /a script allowance \(install-scripts\) does not expire/],
  ];
  for (const [argv, message] of cases) {
    const result = await box.safeNpm(argv);
    assertExit(result, 2, argv.join(' '));
    assert.match(result.stderr, message);
    assert.is(result.stderr.trim().split('\n').length, 1, result.stderr);
    assert.is(await readFile(join(box.dir, '.safe-npmrc.json'), 'utf8').catch(() => null), null, 'no policy file was created');
  }
});

/** safe-npm install on a pseudo-terminal in the sandbox, with these environment changes (undefined removes one). */
function onTerminal(box: { dir: string; env: Record<string, string> }, answers: Array<[RegExp, string]>, env: Record<string, string | undefined>) {
  const childEnv: Record<string, string> = { ...box.env, TERM: 'dumb' };
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) delete childEnv[key];
    else childEnv[key] = value;
  }
  return runSafeNpmOnTerminal(['install'], { cwd: box.dir, env: childEnv, answers });
}

approve('on a terminal: a blocked install offers the approval, writes it, and judges again (clean); in CI it never asks', async ({ harness }) => {
  if (!hasTerminalRunner()) return; // no util-linux script on this machine
  const box = await sandbox(harness, { 'package.json': manifest({ 'fresh-only': '1.0.0' }) });
  const inCi = await onTerminal(box, [], { CI: '1' });
  assert.is(inCi.status, 1, inCi.output);
  assert.not.match(inCi.output, /\[y\/N\]/);

  const asked = await onTerminal(
    box,
    [
      [/Approve an exception for fresh-only@1\.0\.0 from minimum-release-age\? \[y\/N\] $/, 'y'],
      [/Reason \(required\): $/, 'reviewed on a call'],
      [/Enter: never\): $/, '2w'],
    ],
    { CI: undefined },
  );
  assert.is(asked.status, 0, asked.output);
  assert.match(asked.output, /written to the new \.safe-npmrc\.json/);
  assert.match(asked.output, /judging again with the approvals/);
  const policy = JSON.parse(await readFile(join(box.dir, '.safe-npmrc.json'), 'utf8'));
  assert.is(policy.exceptions[0].package, 'fresh-only@1.0.0');
  assert.is(policy.exceptions[0].reason, 'reviewed on a call');
  assert.match(policy.exceptions[0].expires, /^\d{4}-\d{2}-\d{2}$/);
  assert.is((await installedPackages(box.dir)).get('node_modules/fresh-only'), '1.0.0');
});

approve('without a terminal on stdin it never asks: blocked, exit 1, nothing written', async ({ harness }) => {
  const box = await sandbox(harness, { 'package.json': manifest({ 'fresh-only': '1.0.0' }) });
  const result = await box.safeNpm(['install'], { CI: undefined });
  assertExit(result, 1);
  assert.not.match(result.stderr, /\[y\/N\]/);
  assert.is(await readFile(join(box.dir, '.safe-npmrc.json'), 'utf8').catch(() => null), null);
});

approve.run();
