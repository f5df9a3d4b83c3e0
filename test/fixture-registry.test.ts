import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Parser, type ReadEntry } from 'tar';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  loadFixturePackages,
  resolveTime,
  startRegistry,
  type FixtureRegistry,
} from './helpers/fixture-registry.js';
import { runNpm } from './helpers/run-cli.js';
import { diffSnapshots, isolatedEnv, makeProject, makeTempDir, readJson, removeDirs, snapshot } from './helpers/workspace.js';

const CORGI = 'application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

async function getJson(url: string, accept = 'application/json') {
  const res = await fetch(url, { headers: { accept } });
  return { status: res.status, type: res.headers.get('content-type'), body: await res.json() };
}

async function tarEntries(bytes: Buffer): Promise<Record<string, string>> {
  const entries: Record<string, string> = {};
  const parser = new Parser({
    onReadEntry: (entry: ReadEntry) => {
      const chunks: Buffer[] = [];
      entry.on('data', (c: Buffer) => chunks.push(c));
      entry.on('end', () => {
        entries[entry.path] = Buffer.concat(chunks).toString('utf8');
      });
    },
  });
  await pipeline(Readable.from([bytes]), parser);
  return entries;
}

interface Context {
  registry: FixtureRegistry;
  now: number;
}

const registry = suite<Context>('fixture registry');

registry.before(async (context) => {
  context.now = Date.now();
  context.registry = await startRegistry(loadFixturePackages(undefined, context.now), { now: context.now });
});

registry.after(async (context) => {
  await context.registry.close();
});

registry('listens on 127.0.0.1 with a trailing slash', ({ registry }) => {
  assert.match(registry.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
});

registry('full packument for Accept: application/json', async ({ registry }) => {
  const { status, type, body } = await getJson(`${registry.url}with-dep`);
  assert.is(status, 200);
  assert.match(type ?? '', /^application\/json/);
  assert.is(body._id, 'with-dep');
  assert.is(body.name, 'with-dep');
  assert.equal(body['dist-tags'], { latest: '1.0.0' });
  assert.ok(body.time.created && body.time.modified && body.time['1.0.0']);
  assert.ok(Array.isArray(body.maintainers));
  assert.type(body.readme, 'string');
  const v = body.versions['1.0.0'];
  assert.is(v.name, 'with-dep');
  assert.is(v.version, '1.0.0');
  assert.equal(v.dependencies, { 'tiny-dep': '^1.0.0' });
  assert.equal(v.scripts, {});
  assert.equal(v._npmUser, { name: 'alice', email: 'alice@example.com' });
  assert.equal(v.maintainers, [{ name: 'alice', email: 'alice@example.com' }]);
  assert.is(v.dist.tarball, `${registry.url}with-dep/-/with-dep-1.0.0.tgz`);
  assert.match(v.dist.shasum, /^[0-9a-f]{40}$/);
  assert.match(v.dist.integrity, /^sha512-[A-Za-z0-9+/]+=*$/);
  assert.type(v.dist.fileCount, 'number');
  assert.type(v.dist.unpackedSize, 'number');
});

registry('abbreviated packument for the install Accept header', async ({ registry }) => {
  const { status, type, body } = await getJson(`${registry.url}scripted`, CORGI);
  assert.is(status, 200);
  assert.is(type, 'application/vnd.npm.install-v1+json');
  assert.equal(Object.keys(body).sort(), ['dist-tags', 'modified', 'name', 'versions']);
  const v = body.versions['1.0.0'];
  assert.is(v.hasInstallScript, true);
  assert.is(v.scripts, undefined);
  assert.is(v._npmUser, undefined);
  assert.is(v.maintainers, undefined);
  assert.ok(v.dist.integrity);
  const full = await getJson(`${registry.url}scripted`);
  assert.is(body.modified, full.body.time.modified);
  assert.equal(v.dist, full.body.versions['1.0.0'].dist);
});

registry('install scripts and binding.gyp set hasInstallScript; plain packages do not', async ({ registry }) => {
  const gyp = await registry.packument('gyp-pkg', { abbreviated: true });
  assert.is(gyp!.versions['1.0.0'].hasInstallScript, true);
  const gypFull = await registry.packument('gyp-pkg');
  assert.equal(gypFull!.versions['1.0.0'].scripts, {});
  const plain = await registry.packument('tiny-dep', { abbreviated: true });
  assert.is(plain!.versions['1.0.0'].hasInstallScript, undefined);
});

registry('relative ages become publish times', async ({ registry, now }) => {
  const doc = await registry.packument('fresh-pkg');
  assert.is(doc!.time['1.1.0'], new Date(now - 2 * HOUR).toISOString());
  assert.is(doc!.time['1.0.0'], new Date(now - 30 * DAY).toISOString());
  assert.is(doc!.time.created, doc!.time['1.0.0']);
  assert.is(doc!.time.modified, doc!.time['1.1.0']);
  assert.is(doc!['dist-tags'].latest, '1.1.0');
  assert.is(resolveTime('-1h', 0), new Date(-HOUR).toISOString());
  assert.is(resolveTime('+1d', 0), new Date(DAY).toISOString());
  assert.is(resolveTime('2020-01-01T00:00:00Z'), '2020-01-01T00:00:00.000Z');
  assert.throws(() => resolveTime('soon'));
});

registry('provenance, trusted publisher, publisher changes and deprecation', async ({ registry }) => {
  const doc = await registry.packument('trust-drop');
  const v1 = doc!.versions['1.0.0'];
  assert.equal(v1.dist.attestations.provenance, { predicateType: 'https://slsa.dev/provenance/v1' });
  assert.is(v1.dist.attestations.url, `${registry.url}-/npm/v1/attestations/trust-drop@1.0.0`);
  assert.is(v1._npmUser.trustedPublisher.id, 'github');
  assert.type(v1._npmUser.trustedPublisher.oidcConfigId, 'string');
  const v3 = doc!.versions['1.2.0'];
  assert.is(v3.dist.attestations, undefined);
  assert.is(v3._npmUser.name, 'mallory');
  assert.is(v3._npmUser.trustedPublisher, undefined);
  assert.equal(
    doc!.maintainers.map((m: { name: string }) => m.name),
    ['alice', 'mallory'],
  );
  const lodash = await registry.packument('lodash-lite', { abbreviated: true });
  assert.match(lodash!.versions['1.0.0'].deprecated, /no longer maintained/);
  assert.is(lodash!.versions['2.1.0'].deprecated, undefined);
  assert.is(lodash!['dist-tags'].latest, '2.1.0');
});

registry('tarball bytes match dist.integrity and shasum and hold the manifest and files', async ({ registry }) => {
  const { body } = await getJson(`${registry.url}scripted`);
  const dist = body.versions['1.0.0'].dist;
  const res = await fetch(dist.tarball);
  assert.is(res.status, 200);
  const bytes = Buffer.from(await res.arrayBuffer());
  assert.is(`sha512-${createHash('sha512').update(bytes).digest('base64')}`, dist.integrity);
  assert.is(createHash('sha1').update(bytes).digest('hex'), dist.shasum);
  const entries = await tarEntries(bytes);
  assert.equal(Object.keys(entries).sort(), ['package/README.md', 'package/index.js', 'package/install.js', 'package/package.json']);
  assert.is(dist.fileCount, 4);
  const manifest = JSON.parse(entries['package/package.json']);
  assert.is(manifest.name, 'scripted');
  assert.equal(manifest.scripts, { postinstall: 'node install.js' });
  assert.is(manifest._npmUser, undefined);
  assert.match(entries['package/install.js'], /scripted-ran\.txt/);
  // Cached and deterministic.
  const again = Buffer.from(await (await fetch(dist.tarball)).arrayBuffer());
  assert.ok(bytes.equals(again));
});

registry('manifestName: the packument manifest claims another name, the tarball and its URL stay the package\'s', async ({ registry }) => {
  const { body } = await getJson(`${registry.url}misnamed-pkg`);
  const version = body.versions['1.0.0'];
  assert.is(body.name, 'misnamed-pkg');
  assert.is(version.name, 'left-pad-lite');
  assert.is(version.dist.tarball, `${registry.url}misnamed-pkg/-/misnamed-pkg-1.0.0.tgz`);
  const corgi = await getJson(`${registry.url}misnamed-pkg`, CORGI);
  assert.is(corgi.body.versions['1.0.0'].name, 'left-pad-lite');
  const entries = await tarEntries(Buffer.from(await (await fetch(version.dist.tarball)).arrayBuffer()));
  assert.is(JSON.parse(entries['package/package.json']).name, 'misnamed-pkg');
});

registry('scoped names: %2f and / forms, tarball under the scope', async ({ registry }) => {
  const encoded = await getJson(`${registry.url}@acme%2finternal`);
  const plain = await getJson(`${registry.url}@acme/internal`, CORGI);
  assert.is(encoded.status, 200);
  assert.is(plain.status, 200);
  assert.is(encoded.body.name, '@acme/internal');
  assert.is(plain.body.name, '@acme/internal');
  const tarball = encoded.body.versions['1.1.0'].dist.tarball;
  assert.is(tarball, `${registry.url}@acme/internal/-/internal-1.1.0.tgz`);
  const res = await fetch(tarball);
  assert.is(res.status, 200);
  const bytes = Buffer.from(await res.arrayBuffer());
  assert.is(`sha512-${createHash('sha512').update(bytes).digest('base64')}`, encoded.body.versions['1.1.0'].dist.integrity);
  assert.is(encoded.body.versions['1.1.0']._npmUser.name, 'acme-ci');
});

registry('404 for unknown packages, versions and tarballs', async ({ registry }) => {
  for (const path of ['no-such-package', '@nope%2fnothing', 'left-pad/9.9.9', 'left-pad/-/left-pad-9.9.9.tgz']) {
    const { status, body } = await getJson(`${registry.url}${path}`);
    assert.is(status, 404, path);
    assert.equal(body, { error: 'Not found' });
  }
});

registry('version and dist-tag documents', async ({ registry }) => {
  const latest = await getJson(`${registry.url}left-pad/latest`);
  assert.is(latest.body.version, '1.3.0');
  const exact = await getJson(`${registry.url}left-pad/1.0.0`);
  assert.is(exact.body.version, '1.0.0');
});

registry('ping and bulk advisories answer {}', async ({ registry }) => {
  assert.equal((await getJson(`${registry.url}-/ping?write=true`)).body, {});
  const res = await fetch(`${registry.url}-/npm/v1/security/advisories/bulk`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ 'left-pad': ['1.3.0'] }),
  });
  assert.is(res.status, 200);
  assert.equal(await res.json(), {});
});

registry('publish adds a version, moves latest and serves its tarball', async ({ registry }) => {
  await registry.publish('tiny-dep', {
    version: '1.3.0',
    publishedAt: '-5m',
    publisher: 'bob',
    scripts: { install: 'node install.js' },
    files: { 'install.js': '// new\n' },
  });
  const doc = await registry.packument('tiny-dep');
  assert.is(doc!['dist-tags'].latest, '1.3.0');
  assert.is(doc!.versions['1.3.0']._npmUser.name, 'bob');
  assert.is(doc!.versions['1.3.0'].hasInstallScript, true);
  assert.is(doc!.time.modified, doc!.time['1.3.0']);
  assert.ok(Date.now() - Date.parse(doc!.time['1.3.0']) >= 5 * 60_000 - 1000);
  const res = await fetch(doc!.versions['1.3.0'].dist.tarball);
  const bytes = Buffer.from(await res.arrayBuffer());
  assert.is(`sha512-${createHash('sha512').update(bytes).digest('base64')}`, doc!.versions['1.3.0'].dist.integrity);

  await registry.publish('tiny-dep', { version: '2.0.0-beta.1', publishedAt: '-1m' });
  assert.is((await registry.packument('tiny-dep'))!['dist-tags'].latest, '1.3.0');
  await registry.publish('brand-new', { version: '0.1.0', publishedAt: new Date().toISOString() }, { tag: 'next' });
  const brandNew = await getJson(`${registry.url}brand-new`, CORGI);
  assert.equal(brandNew.body['dist-tags'], { latest: '0.1.0', next: '0.1.0' });
});

registry('setFailure: error500, badjson, timeout, and back to normal', async ({ registry }) => {
  registry.setFailure('left-pad', 'error500');
  assert.is((await fetch(`${registry.url}left-pad`)).status, 500);

  registry.setFailure('left-pad', 'badjson');
  const bad = await fetch(`${registry.url}left-pad`);
  assert.is(bad.status, 200);
  let parsed = true;
  try {
    JSON.parse(await bad.text());
  } catch {
    parsed = false;
  }
  assert.is(parsed, false);

  registry.setFailure('left-pad', 'timeout');
  let timedOut = false;
  try {
    await fetch(`${registry.url}left-pad`, { signal: AbortSignal.timeout(300) });
  } catch (error) {
    timedOut = (error as Error).name === 'TimeoutError';
  }
  assert.ok(timedOut);

  registry.setFailure('left-pad', 'error500', 'tarball');
  assert.is((await fetch(`${registry.url}left-pad`)).status, 200);
  assert.is((await fetch(`${registry.url}left-pad/-/left-pad-1.3.0.tgz`)).status, 500);

  registry.setFailure('left-pad', null);
  assert.is((await fetch(`${registry.url}left-pad/-/left-pad-1.3.0.tgz`)).status, 200);
});

registry('logs every request with method, path and accept', async ({ registry }) => {
  registry.requests.length = 0;
  await fetch(`${registry.url}@acme%2finternal`, { headers: { accept: CORGI } });
  await fetch(`${registry.url}left-pad/-/left-pad-1.0.0.tgz`);
  const [packument, tarball] = registry.requests;
  assert.is(packument.method, 'GET');
  assert.is(packument.url, '/@acme%2finternal');
  assert.is(packument.path, '/@acme/internal');
  assert.is(packument.accept, CORGI);
  assert.is(packument.kind, 'packument');
  assert.is(packument.name, '@acme/internal');
  assert.is(tarball.kind, 'tarball');
  assert.is(tarball.name, 'left-pad');
});

registry.run();

const workspace = suite('workspace helpers');

workspace('makeProject, snapshot and diffSnapshots', async () => {
  const dir = await makeProject({ 'package.json': { name: 'app' }, 'src/a.txt': 'a' });
  try {
    assert.is(await readFile(join(dir, 'package.json'), 'utf8'), '{\n  "name": "app"\n}\n');
    const before = await snapshot(dir);
    assert.equal(Object.keys(before), ['package.json', 'src/a.txt']);
    assert.is(before['src/a.txt'], createHash('sha256').update('a').digest('hex'));
    await writeFile(join(dir, 'src/a.txt'), 'b');
    await writeFile(join(dir, 'new.txt'), 'n');
    assert.equal(diffSnapshots(before, await snapshot(dir)), { added: ['new.txt'], removed: [], changed: ['src/a.txt'] });
  } finally {
    await removeDirs(dir);
  }
});

workspace('isolatedEnv drops inherited npm configuration', async () => {
  const home = await makeTempDir();
  process.env.npm_config_registry_leak = 'https://leak.example/';
  process.env.NPM_CONFIG_USERCONFIG = '/leak/.npmrc';
  process.env.SAFE_NPM_POLICY = '/leak/policy.json';
  try {
    const env = isolatedEnv('http://127.0.0.1:1/', home, { npmrc: ['@acme:registry=http://127.0.0.1:2/'] });
    assert.is(env.npm_config_registry_leak, undefined);
    assert.is(env.NPM_CONFIG_USERCONFIG, undefined);
    assert.is(env.SAFE_NPM_POLICY, undefined);
    assert.is(env.HOME, home);
    assert.is(env.PATH, process.env.PATH);
    assert.is(env.npm_config_registry, 'http://127.0.0.1:1/');
    assert.is(env.npm_config_audit, 'false');
    assert.is(await readFile(env.npm_config_userconfig, 'utf8'), 'registry=http://127.0.0.1:1/\n@acme:registry=http://127.0.0.1:2/\n');
    assert.is(await readFile(env.npm_config_globalconfig, 'utf8'), '');
    assert.ok(env.npm_config_cache.startsWith(home));
  } finally {
    delete process.env.npm_config_registry_leak;
    delete process.env.NPM_CONFIG_USERCONFIG;
    delete process.env.SAFE_NPM_POLICY;
    await removeDirs(home);
  }
});

workspace.run();

const realNpm = suite('real npm against the fixture registry');

realNpm('npm install of a package with one dependency', async () => {
  const reg = await startRegistry(loadFixturePackages(['with-dep', 'tiny-dep']));
  const home = await makeTempDir();
  const project = await makeProject({
    'package.json': { name: 'app', version: '1.0.0', private: true, dependencies: { 'with-dep': '^1.0.0' } },
  });
  try {
    const env = isolatedEnv(reg.url, home);
    const result = await runNpm(['install', '--no-audit', '--no-fund'], { cwd: project, env, timeoutMs: 60_000 });
    assert.is(result.code, 0, result.stderr);
    const withDep = await readJson(join(project, 'node_modules/with-dep/package.json'));
    assert.is(withDep.version, '1.0.0');
    const tinyDep = await readJson(join(project, 'node_modules/tiny-dep/package.json'));
    assert.is(tinyDep.version, '1.2.0');
    const lock = await readJson(join(project, 'package-lock.json'));
    assert.is(lock.packages['node_modules/with-dep'].resolved, `${reg.url}with-dep/-/with-dep-1.0.0.tgz`);
    assert.is(lock.packages['node_modules/tiny-dep'].integrity, (await reg.packument('tiny-dep'))!.versions['1.2.0'].dist.integrity);
    assert.ok(reg.requests.some((r) => r.name === 'with-dep' && r.kind === 'packument'));
    assert.ok(reg.requests.some((r) => r.name === 'tiny-dep' && r.kind === 'tarball'));
    const files = await snapshot(project);
    assert.ok('node_modules/tiny-dep/index.js' in files);
  } finally {
    await reg.close();
    await removeDirs(home, project);
  }
});

realNpm.run();
