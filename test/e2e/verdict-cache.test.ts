// The remembered verdict of an unchanged tree, through the real binary: a
// second install of the same tree is not judged again (no packument is needed
// even with every cached fact removed), and what it must never hide is seen on
// the very next run: a feed that now lists a package (a deny list, the
// registry's advisories, once asked again), a changed policy.
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { assertExit, codes, explain, findingsOf, sandbox, startHarness, type Harness, type Sandbox } from './support.js';

const verdicts = suite<{ harness: Harness }>('e2e: remembered verdicts');

verdicts.before(async (context) => {
  context.harness = await startHarness(['with-dep', 'tiny-dep', 'left-pad']);
});
verdicts.after(async ({ harness }) => {
  await harness.close();
});

const POLICY = '.safe-npmrc.json';
const policy = (extra: Record<string, unknown> = {}) => JSON.stringify({ intel: { denyLists: ['./deny.txt'] }, ...extra });

/** What the tool keeps between runs besides the verdicts: npm's cache and the stored facts. */
async function forgetFacts(box: Sandbox): Promise<void> {
  await rm(join(box.home, '.npm', '_cacache'), { recursive: true, force: true });
  await rm(join(box.home, '.npm', '_safe-npm', 'facts'), { recursive: true, force: true });
}

async function installAgain(harness: Harness, box: Sandbox, extraArgs: string[] = []) {
  await forgetFacts(box);
  harness.registry.requests.length = 0;
  harness.registry.advisoryRequests.length = 0;
  return box.safeNpmJson(['install', ...extraArgs]);
}

const packumentRequests = (harness: Harness) => harness.registry.requests.filter((request) => request.kind === 'packument' || request.kind === 'manifest');

verdicts('an unchanged tree is judged once; a feed or policy change is judged on the next run', async ({ harness }) => {
  const box = await sandbox(harness, {
    'package.json': { name: 'app', version: '1.0.0', private: true, dependencies: { 'with-dep': '^1.0.0' } },
    [POLICY]: policy(),
    'deny.txt': '# nothing listed yet\n',
  });
  assertExit(await box.safeNpmJson(['install']), 0, 'first install (writes the lockfile)');
  // From the lockfile now: its entries are views of another kind (isFromLockfile), so another key.
  const first = await box.safeNpmJson(['install']);
  assertExit(first, 0, 'install from the lockfile');

  // Without the facts a judgement needs every packument again: none is asked for, nor the
  // registry's advisories (their answers are remembered for intel.maxAge, see feed-answers).
  const second = await installAgain(harness, box);
  assertExit(second, 0, 'same tree again');
  assert.equal(codes(second.report), codes(first.report));
  assert.is(second.report.packages?.length ?? second.report.packageCount, first.report.packages?.length ?? first.report.packageCount);
  assert.equal(packumentRequests(harness), [], 'no packument for a remembered verdict');
  assert.is(harness.registry.advisoryRequests.length, 0, "the registry's advisories answered within intel.maxAge are not asked again");

  // A deny list that now names a package blocks at once.
  await writeFile(join(box.dir, 'deny.txt'), 'tiny-dep\n');
  const listed = await installAgain(harness, box);
  assertExit(listed, 1, 'listed in the deny list');
  assert.ok(findingsOf(listed.report, 'known-malware/reported', 'tiny-dep').length > 0, explain(listed));

  // The list emptied again: the earlier verdict stands.
  await writeFile(join(box.dir, 'deny.txt'), '');
  const unlisted = await installAgain(harness, box);
  assertExit(unlisted, 0, 'deny list emptied');
  assert.equal(packumentRequests(harness), [], explain(unlisted));

  // The registry's own advisories, asked again (--prefer-online, as after intel.maxAge): a new one blocks.
  harness.registry.setAdvisories({ 'tiny-dep': [{ id: 7, title: 'Malware in tiny-dep', severity: 'critical', vulnerable_versions: '*', cwe: ['CWE-506'] }] });
  const advised = await installAgain(harness, box, ['--prefer-online']);
  assert.is(harness.registry.advisoryRequests.length, 1, '--prefer-online asks the advisories again');
  harness.registry.setAdvisories(null);
  assertExit(advised, 1, 'an advisory published since');
  assert.ok(findingsOf(advised.report, 'known-malware/reported', 'tiny-dep').length > 0, explain(advised));

  // A stricter policy is judged afresh: with-dep (150 days old) is too young for 200 days.
  await writeFile(join(box.dir, POLICY), policy({ minimumReleaseAge: { age: '200d', lockfile: 'block' } }));
  const stricter = await installAgain(harness, box);
  assertExit(stricter, 1, 'stricter policy');
  assert.ok(findingsOf(stricter.report, 'minimum-release-age/too-young', 'with-dep').length > 0, explain(stricter));
  assert.ok(packumentRequests(harness).length > 0, 'a new policy needs the facts again');
});

const packumentNames = (harness: Harness) => [...new Set(packumentRequests(harness).map((request) => request.name))].sort();

verdicts('a changed tree judges only what changed; a feed that now lists a kept package is seen', async ({ harness }) => {
  const box = await sandbox(harness, {
    'package.json': { name: 'app', version: '1.0.0', private: true, dependencies: { 'with-dep': '^1.0.0' } },
    [POLICY]: policy(),
    'deny.txt': '',
  });
  assertExit(await box.safeNpmJson(['install']), 0, 'first install (writes the lockfile)');
  const first = await box.safeNpmJson(['install']);
  assertExit(first, 0, 'install from the lockfile');

  // One package added: with-dep and tiny-dep are as judged before, so only left-pad's facts are asked for.
  const added = await installAgain(harness, box, ['left-pad']);
  assertExit(added, 0, 'install left-pad');
  assert.equal(packumentNames(harness), ['left-pad'], explain(added));
  assert.is(added.report.packageCount, 3, 'every package of the tree is judged');

  // A deny list that now names a kept package: that package is judged afresh and blocks.
  await writeFile(join(box.dir, 'deny.txt'), 'tiny-dep\n');
  const listed = await installAgain(harness, box);
  assertExit(listed, 1, 'listed in the deny list');
  assert.ok(findingsOf(listed.report, 'known-malware/reported', 'tiny-dep').length > 0, explain(listed));
  // left-pad is judged again too: it was typed on the command line and resolved afresh last time (another view now).
  assert.equal(packumentNames(harness), ['left-pad', 'tiny-dep'], 'with-dep is as judged before');
});

verdicts.run();
