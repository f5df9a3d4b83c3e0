// unverifiable: when the facts of a lockfile entry cannot be learned (registry
// error, bad JSON), the package is reported and, by default, blocks. Unknown
// never looks like safe. The CLI runs in-process: the judgement is the subject.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { FailureKind } from '../helpers/fixture-registry.js';
import { diffSnapshots, snapshot } from '../helpers/workspace.js';
import {
  assertExit,
  assertFinding,
  assertNoFinding,
  fetchedTarballs,
  installedPackages,
  packumentRequests,
  sandbox,
  startHarness,
  type Harness,
  type Sandbox,
} from './support.js';

const unverifiable = suite<{ harness: Harness }>('e2e: unverifiable');

unverifiable.before(async (context) => {
  context.harness = await startHarness(['tiny-dep', 'with-dep', 'left-pad'], { runner: 'in-process' });
});
unverifiable.after.each(({ harness }) => {
  harness.registry.setFailure('tiny-dep', null);
});
unverifiable.after(async (context) => {
  await context.harness.close();
});

const POLICY = '.safe-npmrc.json';

/** A project whose package-lock.json was made by safe-npm install; node_modules removed. */
async function lockedProject(harness: Harness, files: Record<string, string | object> = {}): Promise<Sandbox> {
  const box = await sandbox(harness, {
    'package.json': { name: 'app', version: '1.0.0', private: true, dependencies: { 'with-dep': '^1.0.0', 'left-pad': '^1.0.0' } },
    ...files,
  });
  assertExit(await box.safeNpmJson(['install', '--package-lock-only']), 0, 'making the lockfile');
  return box;
}

/** The environment of a run with a fresh, empty npm cache, so every fact must come from the registry. */
async function emptyCache(harness: Harness): Promise<Record<string, string>> {
  return { npm_config_cache: await harness.tempDir('safe-npm-cache-') };
}

for (const kind of ['error500', 'badjson', 'timeout'] as FailureKind[]) {
  unverifiable(`blocked: ci of a lockfile whose tiny-dep packument fails (${kind}) → unverifiable/facts-unavailable, exit 1, nothing written`, async ({ harness }) => {
    const box = await lockedProject(harness);
    const before = await snapshot(box.dir);
    harness.registry.setFailure('tiny-dep', kind, 'packument');
    harness.registry.requests.length = 0;
    // A short fetch time-out so the never-answering registry fails fast.
    const result = await box.safeNpmJson(['ci'], { ...(await emptyCache(harness)), npm_config_fetch_timeout: '2000' });
    assertExit(result, 1);
    const finding = assertFinding(result, 'unverifiable/facts-unavailable', 'tiny-dep');
    assert.is(finding.severity, 'block');
    assert.is(finding.package.version, '1.2.0');
    assertNoFinding(result, 'unverifiable/facts-unavailable', 'with-dep');
    assert.ok(packumentRequests(harness.registry, 'tiny-dep') >= 1, 'the facts were asked of the registry');
    assert.equal(fetchedTarballs(harness.registry), [], 'nothing downloaded');
    assert.equal(diffSnapshots(before, await snapshot(box.dir)), { added: [], removed: [], changed: [] });
  });
}

unverifiable('blocked: check --lockfile with the tiny-dep packument failing and an empty cache', async ({ harness }) => {
  const box = await lockedProject(harness);
  harness.registry.setFailure('tiny-dep', 'error500', 'packument');
  const result = await box.safeNpmJson(['check', '--lockfile'], await emptyCache(harness));
  assertExit(result, 1);
  assertFinding(result, 'unverifiable/facts-unavailable', 'tiny-dep');
  assert.is(result.report.result, 'blocked');
});

unverifiable('allowed: rules {unverifiable: "warn"} reports a warning, exits 0 and installs', async ({ harness }) => {
  const box = await lockedProject(harness, { [POLICY]: { rules: { unverifiable: 'warn' } } });
  harness.registry.setFailure('tiny-dep', 'error500', 'packument');
  const result = await box.safeNpmJson(['ci'], await emptyCache(harness));
  assertExit(result, 0);
  const finding = assertFinding(result, 'unverifiable/facts-unavailable', 'tiny-dep');
  assert.is(finding.severity, 'warn');
  assert.is(result.report.result, 'warnings');
  assert.is((await installedPackages(box.dir)).get('node_modules/tiny-dep'), '1.2.0');

  const checked = await box.safeNpmJson(['check', '--lockfile'], await emptyCache(harness));
  assertExit(checked, 0, 'check --lockfile');
  assertFinding(checked, 'unverifiable/facts-unavailable', 'tiny-dep');
});

unverifiable('a fresh resolution that cannot reach a packument fails as an npm failure (exit 3) and writes nothing', async ({ harness }) => {
  const box = await sandbox(harness, {
    'package.json': { name: 'app', version: '1.0.0', private: true, dependencies: { 'with-dep': '^1.0.0' } },
  });
  harness.registry.setFailure('tiny-dep', 'error500', 'packument');
  const before = await snapshot(box.dir);
  const result = await box.safeNpm(['install']);
  assertExit(result, 3);
  assert.not.match(result.stderr, /^\s+at /m, 'no stack trace');
  assert.equal(diffSnapshots(before, await snapshot(box.dir)), { added: [], removed: [], changed: [] });
});

unverifiable.run();
