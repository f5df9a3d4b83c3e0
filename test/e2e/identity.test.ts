// package-identity (issue 7): a lockfile entry that claims another package
// than the tarball it resolves to, an npm alias that must keep working (and be
// judged as its target), and a registry manifest that names another package
// than the one asked for, and a lockfile integrity that names other bytes in
// npm's cache than the registry published. The CLI runs in-process (the
// judgement is the subject; npm itself runs as a process where it is compared).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { diffSnapshots, readJson, snapshot } from '../helpers/workspace.js';
import {
  assertExit,
  assertFinding,
  assertNoFinding,
  codes,
  fetchedTarballs,
  installedPackages,
  sandbox,
  startHarness,
  type Harness,
} from './support.js';

interface Context {
  harness: Harness;
}

const identity = suite<Context>('e2e: package identity');

identity.before(async (context) => {
  context.harness = await startHarness(['fresh-pkg', 'left-pad-lite', 'tiny-dep', 'misnamed-pkg', 'evil-pkg'], { runner: 'in-process' });
  // The tarball the tampered entry really installs: fresh-pkg 1.0.1, two hours old.
  await context.harness.registry.publish('fresh-pkg', { version: '1.0.1', publishedAt: '-2h' });
});
identity.after(async (context) => {
  await context.harness.close();
});

const POLICY = '.safe-npmrc.json';
const manifest = (dependencies: Record<string, string>) => ({ name: 'app', version: '1.0.0', private: true, dependencies });

/** package-lock.json whose node_modules/fresh-pkg claims left-pad-lite@1.0.0 but resolves to fresh-pkg-1.0.1.tgz, with that tarball's real integrity. */
async function confusedLockfile(context: Context) {
  const { registry } = context.harness;
  const bytes = await registry.tarball('fresh-pkg', '1.0.1');
  assert.ok(bytes);
  return {
    name: 'app',
    version: '1.0.0',
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': { name: 'app', version: '1.0.0', dependencies: { 'fresh-pkg': '^1.0.0' } },
      'node_modules/fresh-pkg': {
        name: 'left-pad-lite',
        version: '1.0.0',
        resolved: `${registry.url}fresh-pkg/-/fresh-pkg-1.0.1.tgz`,
        integrity: `sha512-${createHash('sha512').update(bytes).digest('base64')}`,
      },
    },
  };
}

identity('blocked: a lockfile entry claiming left-pad-lite but resolved at fresh-pkg-1.0.1.tgz → check --lockfile and ci exit 1, nothing written', async (context) => {
  const box = await sandbox(context.harness, {
    'package.json': manifest({ 'fresh-pkg': '^1.0.0' }),
    'package-lock.json': await confusedLockfile(context),
    [POLICY]: { packages: { deny: ['fresh-pkg'] } },
  });

  const checked = await box.safeNpmJson(['check', '--lockfile']);
  assertExit(checked, 1, 'check --lockfile');
  const names = assertFinding(checked, 'package-identity/name-mismatch', 'fresh-pkg');
  assert.is(names.data.folder, 'fresh-pkg');
  assert.is(names.data.name, 'left-pad-lite');
  assert.is(names.data.version, '1.0.0');
  assert.is(names.data.tarballName, 'fresh-pkg');
  assert.ok(String(names.data.resolved).endsWith('/fresh-pkg/-/fresh-pkg-1.0.1.tgz'), names.data.resolved);
  const versions = assertFinding(checked, 'package-identity/version-mismatch', 'fresh-pkg');
  assert.is(versions.data.tarballVersion, '1.0.1');
  // The name rules and the facts judge the tarball's package, not the claim.
  assertFinding(checked, 'packages/denied', 'fresh-pkg');
  assertFinding(checked, 'minimum-release-age/too-young', 'fresh-pkg');
  assertNoFinding(checked, 'packages/denied', 'left-pad-lite');
  assert.is(checked.report.findings.filter((finding: any) => finding.package?.name === 'left-pad-lite').length, 0, codes(checked.report).join(', '));

  const before = await snapshot(box.dir);
  context.harness.registry.requests.length = 0;
  const ci = await box.safeNpmJson(['ci']);
  assertExit(ci, 1, 'ci');
  assertFinding(ci, 'package-identity/name-mismatch', 'fresh-pkg');
  assert.equal(diffSnapshots(before, await snapshot(box.dir)), { added: [], removed: [], changed: [] }, 'package.json and package-lock.json unchanged');
  assert.not.ok(existsSync(join(box.dir, 'node_modules', 'fresh-pkg')), 'no node_modules/fresh-pkg');
  assert.equal(fetchedTarballs(context.harness.registry), [], 'a blocked ci downloads nothing');
});

identity('blocked: the same entry without a deny list and with package-identity off is still judged as fresh-pkg@1.0.1 (two hours old)', async (context) => {
  const box = await sandbox(context.harness, {
    'package.json': manifest({ 'fresh-pkg': '^1.0.0' }),
    'package-lock.json': await confusedLockfile(context),
    [POLICY]: { rules: { 'package-identity': 'off' } },
  });
  const checked = await box.safeNpmJson(['check', '--lockfile']);
  assertExit(checked, 1, 'check --lockfile');
  const young = assertFinding(checked, 'minimum-release-age/too-young', 'fresh-pkg');
  assert.is(young.package.version, '1.0.1');
  assert.equal(codes(checked.report).filter((code) => code.startsWith('package-identity/')), []);
});

identity('allowed: an npm alias installs, ci reinstalls it and check --lockfile is clean; a denied target behind the alias is blocked', async (context) => {
  const box = await sandbox(context.harness, { 'package.json': manifest({ 'my-alias': 'npm:tiny-dep@^1.0.0' }) });
  const installed = await box.safeNpmJson(['install']);
  assertExit(installed, 0, 'install');
  assert.equal(codes(installed.report), []);
  assert.is((await installedPackages(box.dir)).get('node_modules/my-alias'), '1.2.0');
  assert.is((await readJson(join(box.dir, 'node_modules', 'my-alias', 'package.json'))).name, 'tiny-dep');
  const lock = await readJson(join(box.dir, 'package-lock.json'));
  assert.is(lock.packages['node_modules/my-alias'].name, 'tiny-dep');

  const checked = await box.safeNpmJson(['check', '--lockfile']);
  assertExit(checked, 0, 'check --lockfile');
  assert.equal(codes(checked.report), []);
  const ci = await box.safeNpmJson(['ci']);
  assertExit(ci, 0, 'ci');
  assert.is((await installedPackages(box.dir)).get('node_modules/my-alias'), '1.2.0');

  const denied = await sandbox(context.harness, {
    'package.json': manifest({ 'my-alias': 'npm:tiny-dep@^1.0.0' }),
    'package-lock.json': lock,
    [POLICY]: { packages: { deny: ['tiny-dep'] } },
  });
  const blocked = await denied.safeNpmJson(['check', '--lockfile']);
  assertExit(blocked, 1, 'check --lockfile with tiny-dep denied');
  assertFinding(blocked, 'packages/denied', 'tiny-dep');
  assertNoFinding(blocked, 'package-identity/name-mismatch');
  const blockedCi = await denied.safeNpmJson(['ci']);
  assertExit(blockedCi, 1, 'ci with tiny-dep denied');
  assert.not.ok(existsSync(join(denied.dir, 'node_modules', 'my-alias')), 'nothing installed');
});

identity('blocked: a packument for misnamed-pkg whose version manifest says left-pad-lite → name-mismatch, nothing installed', async (context) => {
  const box = await sandbox(context.harness, { 'package.json': manifest({ 'misnamed-pkg': '^1.0.0' }) });
  const before = await snapshot(box.dir);
  const installed = await box.safeNpmJson(['install']);
  assertExit(installed, 1, 'install');
  const finding = assertFinding(installed, 'package-identity/name-mismatch', 'misnamed-pkg');
  assert.is(finding.data.folder, 'misnamed-pkg');
  assert.is(finding.data.name, 'left-pad-lite');
  assert.is(finding.data.tarballName, 'misnamed-pkg');
  assert.equal(diffSnapshots(before, await snapshot(box.dir)), { added: [], removed: [], changed: [] }, 'nothing written');

  const checked = await box.safeNpmJson(['check']);
  assertExit(checked, 1, 'check');
  assertFinding(checked, 'package-identity/name-mismatch', 'misnamed-pkg');
});

identity('blocked: a lockfile entry for left-pad-lite with the integrity of evil-pkg\'s cached tarball → check --lockfile and ci exit 1 with integrity-mismatch, nothing written, evil-pkg not installed', async (context) => {
  const { registry } = context.harness;
  const sha512 = (bytes: Buffer | undefined) => `sha512-${createHash('sha512').update(bytes!).digest('base64')}`;
  const evilIntegrity = sha512(await registry.tarball('evil-pkg', '1.0.0'));
  const benignIntegrity = sha512(await registry.tarball('left-pad-lite', '1.0.0'));
  const lockfile = {
    name: 'app',
    version: '1.0.0',
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': { name: 'app', version: '1.0.0', dependencies: { 'left-pad-lite': '^1.0.0' } },
      // every claim is left-pad-lite's; only the integrity is evil-pkg's
      'node_modules/left-pad-lite': {
        version: '1.0.0',
        resolved: `${registry.url}left-pad-lite/-/left-pad-lite-1.0.0.tgz`,
        integrity: evilIntegrity,
      },
    },
  };
  const box = await sandbox(context.harness, { 'package.json': manifest({ 'left-pad-lite': '^1.0.0' }), 'package-lock.json': lockfile });
  // evil-pkg's bytes in the npm cache, as after any earlier install of it
  assertExit(await box.npm(['cache', 'add', 'evil-pkg@1.0.0']), 0, 'npm cache add');

  const checked = await box.safeNpmJson(['check', '--lockfile']);
  assertExit(checked, 1, 'check --lockfile');
  const finding = assertFinding(checked, 'package-identity/integrity-mismatch', 'left-pad-lite');
  assert.is(finding.severity, 'block');
  assert.is(finding.data.integrity, evilIntegrity);
  assert.is(finding.data.registryIntegrity, benignIntegrity);
  assert.is(finding.data.package, 'left-pad-lite@1.0.0');
  assert.equal(codes(checked.report), ['package-identity/integrity-mismatch']);

  const before = await snapshot(box.dir);
  registry.requests.length = 0;
  const ci = await box.safeNpmJson(['ci']);
  assertExit(ci, 1, 'ci');
  assertFinding(ci, 'package-identity/integrity-mismatch', 'left-pad-lite');
  assert.equal(diffSnapshots(before, await snapshot(box.dir)), { added: [], removed: [], changed: [] }, 'package.json and package-lock.json unchanged');
  assert.not.ok(existsSync(join(box.dir, 'node_modules', 'left-pad-lite')), 'no node_modules/left-pad-lite');
  assert.not.ok(box.markerExists('evil-pkg-ran.txt'), 'evil-pkg\'s postinstall did not run');
  assert.equal(fetchedTarballs(registry), [], 'a blocked ci downloads nothing');

  // What the guard prevented: plain npm installs evil-pkg's bytes under left-pad-lite's name.
  assertExit(await box.npm(['ci', '--ignore-scripts']), 0, 'npm ci');
  const unpacked = JSON.parse(readFileSync(join(box.dir, 'node_modules', 'left-pad-lite', 'package.json'), 'utf8'));
  assert.is(unpacked.name, 'evil-pkg');
});

identity('allowed: the integrity npm itself locked matches the registry\'s, fresh and from the lockfile', async (context) => {
  const box = await sandbox(context.harness, { 'package.json': manifest({ 'left-pad-lite': '^1.0.0', 'tiny-dep': '^1.0.0' }) });
  const installed = await box.safeNpmJson(['install']);
  assertExit(installed, 0, 'install');
  assertNoFinding(installed, 'package-identity/integrity-mismatch');
  const checked = await box.safeNpmJson(['check', '--lockfile']);
  assertExit(checked, 0, 'check --lockfile');
  assert.equal(codes(checked.report), []);
});

identity.run();
