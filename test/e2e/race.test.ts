// Check and install use one resolution: a version published while safe-npm is
// running (after the tree was resolved and judged) is not what gets installed.
// The CLI runs in-process: the registry publishes from this process's event
// loop while the run is going, as it would for a separate process.
import { join } from 'node:path';
import semver from 'semver';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { FixtureRegistry, RegistryRequest } from '../helpers/fixture-registry.js';
import { readJson } from '../helpers/workspace.js';
import {
  assertExit,
  explain,
  fetchedTarballs,
  installedPackages,
  lockedPackages,
  packumentRequests,
  sandbox,
  startHarness,
  type Harness,
} from './support.js';

const race = suite<{ harness: Harness }>('e2e: no second resolution between check and install');

race.before(async (context) => {
  context.harness = await startHarness(['tiny-dep', 'with-dep'], { runner: 'in-process' });
});
race.after(async (context) => {
  await context.harness.close();
});

/**
 * Publishes `tiny-dep@version` (40 days old, so the age rule would allow it)
 * right after the first tiny-dep packument has been sent. Resolves once published.
 */
function publishAfterFirstPackument(registry: FixtureRegistry, version: string): { published: Promise<void> } {
  let resolvePublished!: () => void;
  const published = new Promise<void>((resolve) => {
    resolvePublished = resolve;
  });
  let fired = false;
  const remove = registry.onResponse(async (request: RegistryRequest) => {
    if (fired || request.kind !== 'packument' || request.name !== 'tiny-dep') return;
    fired = true;
    remove();
    await registry.publish('tiny-dep', { version, publishedAt: '-40d' });
    resolvePublished();
  });
  return { published };
}

race('a version published after the tree was resolved is not installed, and tiny-dep is resolved only once', async ({ harness }) => {
  const { registry } = harness;
  const box = await sandbox(harness, {
    'package.json': { name: 'app', version: '1.0.0', private: true, dependencies: { 'tiny-dep': '^1.0.0', 'with-dep': '^1.0.0' } },
  });
  registry.requests.length = 0;
  const { published } = publishAfterFirstPackument(registry, '1.9.0');
  const result = await box.safeNpmJson(['install']);
  await published;
  assertExit(result, 0);
  assert.equal(result.report.findings, [], explain(result));

  assert.ok((await registry.packument('tiny-dep'))?.versions['1.9.0'], 'the hook published tiny-dep@1.9.0 during the run');
  assert.is((await installedPackages(box.dir)).get('node_modules/tiny-dep'), '1.2.0', 'installed what was resolved and checked');
  assert.is((await lockedPackages(box.dir)).get('node_modules/tiny-dep'), '1.2.0');
  assert.equal(fetchedTarballs(registry, 'tiny-dep'), ['tiny-dep@1.2.0']);
  assert.is(packumentRequests(registry, 'tiny-dep'), 1, 'the tiny-dep packument was requested once: no second resolution');

  // The test means something only if a fresh resolution now picks 1.9.0.
  const later = await sandbox(harness, {
    'package.json': { name: 'app', version: '1.0.0', private: true, dependencies: { 'tiny-dep': '^1.0.0' } },
  });
  assertExit(await later.safeNpmJson(['install']), 0, 'later install');
  assert.is((await installedPackages(later.dir)).get('node_modules/tiny-dep'), '1.9.0', 'a later resolution takes the new version');
});

race('install <spec>: the spec is saved and installed at the version resolved at check time', async ({ harness }) => {
  const { registry } = harness;
  const box = await sandbox(harness, { 'package.json': { name: 'app', version: '1.0.0', private: true } });
  registry.requests.length = 0;
  // Whatever tiny-dep's highest version is now (1.9.0 after the previous test), 1.10.0 appears mid-run.
  const before = await registry.packument('tiny-dep');
  const expected = Object.keys(before!.versions).sort(semver.rcompare)[0];
  const { published } = publishAfterFirstPackument(registry, '1.10.0');
  const result = await box.safeNpmJson(['install', 'tiny-dep@^1']);
  await published;
  assertExit(result, 0);
  assert.ok((await registry.packument('tiny-dep'))?.versions['1.10.0'], 'the hook published tiny-dep@1.10.0 during the run');
  assert.is((await installedPackages(box.dir)).get('node_modules/tiny-dep'), expected);
  assert.is((await lockedPackages(box.dir)).get('node_modules/tiny-dep'), expected);
  assert.is((await readJson(join(box.dir, 'package.json'))).dependencies['tiny-dep'], `^${expected}`);
  assert.equal(fetchedTarballs(registry, 'tiny-dep'), [`tiny-dep@${expected}`]);
  assert.is(packumentRequests(registry, 'tiny-dep'), 1, 'the tiny-dep packument was requested once');
});

race.run();
