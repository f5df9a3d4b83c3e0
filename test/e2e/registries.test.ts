// registries: tampered lockfile URLs, scope pinning, private names
// (dependency confusion) and the allowed-registry list. A recording proxy
// catches any attempt to reach a host other than the loopback fixture
// registry. The CLI runs in-process, where npm's proxy settings
// (npm_config_proxy, npm_config_https_proxy) send every such request to the
// proxy; the first test runs the real binary, where the HTTPS_PROXY-style
// variables reach npm's HTTP agent too (it reads them from the process).
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { diffSnapshots, snapshot } from '../helpers/workspace.js';
import {
  assertExit,
  assertFinding,
  assertNoFinding,
  codes,
  explain,
  fetchedTarballs,
  installedPackages,
  sandbox,
  startHarness,
  startRecordingProxy,
  type Harness,
  type RecordingProxy,
  type SandboxOptions,
} from './support.js';

interface Context {
  harness: Harness;
  proxy: RecordingProxy;
}

const registries = suite<Context>('e2e: registries');

registries.before(async (context) => {
  context.harness = await startHarness(['tiny-dep', 'with-dep', '@acme/internal', 'acme-utils'], { runner: 'in-process' });
  context.proxy = await startRecordingProxy();
});
registries.before.each((context) => {
  context.proxy.requests.length = 0;
});
registries.after(async (context) => {
  await context.harness.close();
  await context.proxy.close();
});

const EVIL_TARBALL = 'https://evil.example/tiny-dep/-/tiny-dep-1.2.0.tgz';
const ACME = 'https://npm.acme.example/';
const POLICY = '.safe-npmrc.json';

const manifest = (dependencies: Record<string, string>) => ({ name: 'app', version: '1.0.0', private: true, dependencies });

async function project(context: Context, files: Record<string, string | object>, options: SandboxOptions = {}) {
  return sandbox(context.harness, files, { ...options, extra: { ...context.proxy.env, ...options.extra } });
}

/** Rewrites the lockfile entry of node_modules/<name> to be resolved at `url`. */
async function tamperLockfile(dir: string, name: string, url: string): Promise<void> {
  const file = join(dir, 'package-lock.json');
  const lock = JSON.parse(await readFile(file, 'utf8'));
  lock.packages[`node_modules/${name}`].resolved = url;
  await writeFile(file, `${JSON.stringify(lock, null, 2)}\n`);
}

registries('blocked: a lockfile entry resolved at another host → lockfile-resolved-elsewhere, with no request to that host', async (context) => {
  const box = await project(context, { 'package.json': manifest({ 'with-dep': '^1.0.0' }) }, { runner: 'binary' });
  assertExit(await box.safeNpmJson(['install', '--package-lock-only']), 0, 'making the lockfile');
  await tamperLockfile(box.dir, 'tiny-dep', EVIL_TARBALL);

  const checked = await box.safeNpmJson(['check', '--lockfile']);
  assertExit(checked, 1, 'check --lockfile');
  const finding = assertFinding(checked, 'registries/lockfile-resolved-elsewhere', 'tiny-dep');
  assert.is(finding.data.url, EVIL_TARBALL);
  assertNoFinding(checked, 'registries/lockfile-resolved-elsewhere', 'with-dep');

  const before = await snapshot(box.dir);
  context.harness.registry.requests.length = 0;
  const ci = await box.safeNpmJson(['ci']);
  assertExit(ci, 1, 'ci');
  assertFinding(ci, 'registries/lockfile-resolved-elsewhere', 'tiny-dep');
  assert.equal(diffSnapshots(before, await snapshot(box.dir)), { added: [], removed: [], changed: [] });
  assert.equal(fetchedTarballs(context.harness.registry), [], 'a blocked ci downloads nothing');

  const installed = await box.safeNpmJson(['install']);
  assertExit(installed, 1, 'install over the tampered lockfile');
  assertFinding(installed, 'registries/lockfile-resolved-elsewhere', 'tiny-dep');
  assert.equal(diffSnapshots(before, await snapshot(box.dir)), { added: [], removed: [], changed: [] });

  assert.equal(context.proxy.requests, [], 'nothing tried to reach evil.example');
});

registries('allowed: a lockfile resolved at registry.npmjs.org is rewritten to the configured registry (replace-registry-host)', async (context) => {
  const box = await project(context, { 'package.json': manifest({ 'with-dep': '^1.0.0' }) });
  assertExit(await box.safeNpmJson(['install', '--package-lock-only']), 0, 'making the lockfile');
  await tamperLockfile(box.dir, 'tiny-dep', 'https://registry.npmjs.org/tiny-dep/-/tiny-dep-1.2.0.tgz');
  const checked = await box.safeNpmJson(['check', '--lockfile']);
  assertExit(checked, 0, 'check --lockfile');
  assert.equal(codes(checked.report), []);
  const ci = await box.safeNpmJson(['ci']);
  assertExit(ci, 0, 'ci');
  assert.is((await installedPackages(box.dir)).get('node_modules/tiny-dep'), '1.2.0');
  assert.equal(context.proxy.requests, [], 'npm fetched from the fixture registry, not registry.npmjs.org');
});

registries('blocked: a pinned scope that npm routes elsewhere → scope-not-pinned; allowed when pinned to where npm routes it', async (context) => {
  const url = context.harness.registry.url;
  const files = (pin: string) => ({
    'package.json': manifest({ '@acme/internal': '^1.0.0', 'tiny-dep': '^1.0.0' }),
    [POLICY]: { registries: { scopes: { '@acme': pin } } },
  });
  const blocked = await project(context, files(ACME), { npmrc: [`@acme:registry=${url}`] });
  const result = await blocked.safeNpmJson(['check']);
  assertExit(result, 1);
  const finding = assertFinding(result, 'registries/scope-not-pinned', '@acme/internal');
  assert.is(finding.data.scope, '@acme');
  assert.is(finding.data.registry, ACME);
  assertNoFinding(result, 'registries/scope-not-pinned', 'tiny-dep');
  const install = await blocked.safeNpmJson(['install']);
  assertExit(install, 1, 'install');
  assert.is((await installedPackages(blocked.dir)).size, 0, 'nothing installed');

  const allowed = await project(context, files(url), { npmrc: [`@acme:registry=${url}`] });
  const clean = await allowed.safeNpmJson(['install']);
  assertExit(clean, 0, 'install with the scope pinned to the fixture registry');
  assert.equal(codes(clean.report), []);
  assert.is((await installedPackages(allowed.dir)).get('node_modules/@acme/internal'), '1.1.0');
  assert.equal(context.proxy.requests, [], 'npm.acme.example was never contacted');
});

registries('blocked: a private name from another registry → private-name-elsewhere; allowed from its own registry', async (context) => {
  const url = context.harness.registry.url;
  const blocked = await project(context, {
    'package.json': manifest({ 'acme-utils': '^1.0.0' }),
    [POLICY]: { registries: { private: { 'acme-*': ACME } } },
  });
  const result = await blocked.safeNpmJson(['install']);
  assertExit(result, 1);
  const finding = assertFinding(result, 'registries/private-name-elsewhere', 'acme-utils');
  assert.is(finding.data.pattern, 'acme-*');
  assert.is(finding.data.registry, ACME);
  assert.is((await installedPackages(blocked.dir)).size, 0, 'nothing installed');

  const allowed = await project(context, {
    'package.json': manifest({ 'acme-utils': '^1.0.0', 'tiny-dep': '^1.0.0' }),
    [POLICY]: { registries: { private: { 'acme-*': url } } },
  });
  const clean = await allowed.safeNpmJson(['install']);
  assertExit(clean, 0);
  assert.equal(codes(clean.report), []);
  assert.equal(context.proxy.requests, []);
});

registries('registries.allowed: the fixture registry listed → clean; only another registry listed → not-allowed-registry', async (context) => {
  const url = context.harness.registry.url;
  const allowed = await project(context, {
    'package.json': manifest({ 'with-dep': '^1.0.0', 'acme-utils': '^1.0.0' }),
    [POLICY]: { registries: { allowed: [url, ACME] } },
  });
  const clean = await allowed.safeNpmJson(['install']);
  assertExit(clean, 0);
  assert.is(clean.report.result, 'clean', explain(clean));
  assert.is((await installedPackages(allowed.dir)).get('node_modules/tiny-dep'), '1.2.0');

  const blocked = await project(context, {
    'package.json': manifest({ 'with-dep': '^1.0.0' }),
    [POLICY]: { registries: { allowed: [ACME] } },
  });
  const result = await blocked.safeNpmJson(['check']);
  assertExit(result, 1);
  assertFinding(result, 'registries/not-allowed-registry', 'with-dep');
  assertFinding(result, 'registries/not-allowed-registry', 'tiny-dep');
  assert.equal(context.proxy.requests, []);
});

registries.run();
