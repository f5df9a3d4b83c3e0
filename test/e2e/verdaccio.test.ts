// The organisation's private registry is a real Verdaccio (on loopback, with
// htpasswd authentication) beside the fixture public registry; the real
// safe-npm binary installs from both. Two Verdaccios: one configured the safe
// way (private names never proxied) and one that proxies every name to the
// public registry, merging public versions into private packuments.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startVerdaccio, type Verdaccio } from '../helpers/verdaccio.js';
import type { RunResult } from '../helpers/run-cli.js';
import {
  assertExit,
  assertFinding,
  assertNoFinding,
  codes,
  explain,
  findingsOf,
  installedPackages,
  sandbox,
  startHarness,
  startRecordingProxy,
  type Harness,
  type RecordingProxy,
} from './support.js';

interface Context {
  harness: Harness;
  proxy: RecordingProxy;
  /** Private names stay local; everything else is proxied to the fixture registry. */
  safe: Verdaccio;
  /** Every name, private ones included, is proxied to the fixture registry. */
  merging: Verdaccio;
  tokens: Map<Verdaccio, string>;
  /** Every run of a command in this file, to check that no token ever shows. */
  runs: RunResult[];
}

const USER = 'acme-dev';
// Proves an install script ran; never does anything else.
const MARKER_SCRIPT =
  "require('fs').appendFileSync(require('path').join(process.env.SAFE_NPM_TEST_MARKER_DIR || process.cwd(), 'acme-billing-ran.txt'), 'ran\\n');\n";
const PASSWORD = 'correct-horse-battery';

const verdaccio = suite<Context>('e2e: Verdaccio as the private registry');

/** The private packages, with the ages they have in Verdaccio: years before anyone claimed their names publicly. */
const PRIVATE_VERSIONS = [
  { name: 'acme-billing', version: '1.0.0', age: '-400d' },
  { name: 'acme-billing', version: '1.1.0', age: '-200d' },
  { name: '@acme/widgets', version: '1.0.0', age: '-300d', dependencies: { 'tiny-dep': '^1.0.0' } },
];

verdaccio.before(async (context) => {
  const [harness, proxy] = await Promise.all([startHarness(['tiny-dep', 'with-dep']), startRecordingProxy()]);
  Object.assign(context, { harness, proxy, tokens: new Map(), runs: [] });
  const uplinks = { public: harness.registry.url };
  const users = { [USER]: PASSWORD };
  const started = Date.now();
  [context.safe, context.merging] = await Promise.all([
    startVerdaccio({
      uplinks,
      users,
      packages: {
        '@acme/*': { access: '$authenticated' },
        'acme-*': { access: '$authenticated' },
        '**': { access: '$authenticated', proxy: 'public' },
      },
    }),
    startVerdaccio({
      uplinks,
      users,
      packages: {
        '@acme/*': { access: '$authenticated', proxy: 'public' },
        'acme-*': { access: '$authenticated', proxy: 'public' },
        '**': { access: '$authenticated', proxy: 'public' },
      },
    }),
  ]);
  if (process.env.SAFE_NPM_E2E_TIMING) {
    console.error(`[e2e] two Verdaccios answered after ${Date.now() - started}ms (${context.safe.startupMs}ms, ${context.merging.startupMs}ms)`);
  }
  for (const registry of [context.safe, context.merging]) {
    const token = await registry.login(USER, PASSWORD);
    context.tokens.set(registry, token);
    for (const version of PRIVATE_VERSIONS) {
      await registry.publish(token, version);
      await registry.backdate(version.name, { [version.version]: version.age });
    }
  }
});
verdaccio.before.each((context) => {
  context.proxy.requests.length = 0;
});
verdaccio.after(async (context) => {
  await Promise.all([context.safe?.close(), context.merging?.close(), context.harness?.close(), context.proxy?.close()]);
});

const manifest = (dependencies: Record<string, string>) => ({ name: 'app', version: '1.0.0', private: true, dependencies });

/** The organisation's policy: the scope and the private names belong to `registry`; private packages are exempt from the age gate. */
function policy(registry: Verdaccio, extra: Record<string, unknown> = {}) {
  return {
    registries: { scopes: { '@acme': registry.url }, private: { 'acme-*': registry.url } },
    minimumReleaseAge: { exclude: ['@acme/*', 'acme-*'] },
    ...extra,
  };
}

interface Routing {
  /** npm's default registry: the Verdaccio (true) or the public registry directly (false). */
  isDefault: boolean;
  withToken?: boolean;
}

/** A project whose npm config routes `@acme` (and, with isDefault, everything) to `registry`, authenticated by token. */
async function project(context: Context, registry: Verdaccio, files: Record<string, string | object>, routing: Routing) {
  const token = context.tokens.get(registry)!;
  const npmrc = [`@acme:registry=${registry.url}`, ...(routing.withToken === false ? [] : [`${registry.nerfDart}:_authToken=${token}`])];
  const box = await sandbox(context.harness, files, {
    npmrc,
    extra: { ...context.proxy.env, ...(routing.isDefault ? { npm_config_registry: registry.url } : {}) },
  });
  const record = <T extends RunResult>(result: T): T => {
    context.runs.push(result);
    return result;
  };
  return {
    ...box,
    safeNpmJson: async (args: string[]) => record(await box.safeNpmJson(args)),
    safeNpm: async (args: string[]) => record(await box.safeNpm(args)),
  };
}

verdaccio('a correct setup installs: @acme routed to Verdaccio, the private name and the scope pinned there, public packages through its uplink', async (context) => {
  const box = await project(context, context.safe, {
    'package.json': manifest({ 'acme-billing': '^1.0.0', '@acme/widgets': '^1.0.0', 'with-dep': '^1.0.0' }),
    '.safe-npmrc.json': policy(context.safe),
  }, { isDefault: true });
  const installed = await box.safeNpmJson(['install']);
  assertExit(installed, 0, 'install');
  assert.equal(codes(installed.report), []);
  const tree = await installedPackages(box.dir);
  assert.is(tree.get('node_modules/acme-billing'), '1.1.0');
  assert.is(tree.get('node_modules/@acme/widgets'), '1.0.0');
  assert.is(tree.get('node_modules/tiny-dep'), '1.2.0', 'a public dependency of a private package, through the uplink');
  const lock = JSON.parse(await readFile(join(box.dir, 'package-lock.json'), 'utf8'));
  for (const location of ['node_modules/acme-billing', 'node_modules/@acme/widgets', 'node_modules/tiny-dep']) {
    assert.ok(lock.packages[location].resolved.startsWith(context.safe.url), `${location} resolved at Verdaccio: ${lock.packages[location].resolved}`);
  }
  assert.equal(context.proxy.requests, [], 'nothing left the machine');
});

verdaccio('authentication: without the token Verdaccio refuses the private packages, and safe-npm says so without installing', async (context) => {
  const box = await project(context, context.safe, {
    'package.json': manifest({ '@acme/widgets': '^1.0.0' }),
    '.safe-npmrc.json': policy(context.safe),
  }, { isDefault: false, withToken: false });
  const result = await box.safeNpm(['install']);
  assert.is.not(result.code, 0, explain(result));
  assert.match(result.stdout + result.stderr, /401|E401|auth/i, explain(result));
  assert.is((await installedPackages(box.dir)).size, 0);
});

verdaccio('the public registry gains acme-billing@9.9.9 with an install script: a client whose default registry is the public one is blocked, with and without --probe', async (context) => {
  const registry = context.harness.registry;
  await registry.publish('acme-billing', {
    version: '9.9.9',
    publishedAt: '-4d',
    publisher: 'cyber-researcher-77',
    scripts: { preinstall: 'node install.js' },
    files: { 'install.js': MARKER_SCRIPT },
  });
  // The developer's .npmrc routes @acme to Verdaccio but leaves the default registry public.
  const box = await project(context, context.safe, {
    'package.json': manifest({ 'acme-billing': '*', '@acme/widgets': '^1.0.0' }),
    '.safe-npmrc.json': policy(context.safe, { dependencyConfusion: { publicRegistry: registry.url } }),
  }, { isDefault: false });

  const installed = await box.safeNpmJson(['install']);
  assertExit(installed, 1, 'install');
  const elsewhere = assertFinding(installed, 'registries/private-name-elsewhere', 'acme-billing');
  assert.is(elsewhere.package.version, '9.9.9');
  assert.is(elsewhere.data.registry, context.safe.url);
  // The public packument holds nothing but 9.9.9, so there is no history to jump from: the routing is what gives it away.
  assertNoFinding(installed, 'registries/scope-not-pinned', '@acme/widgets');
  assertNoFinding(installed, 'dependency-confusion/claimed-publicly');
  assert.is((await installedPackages(box.dir)).size, 0, 'nothing installed');
  assert.not.ok(box.markerExists('acme-billing-ran.txt'), 'the attacker script never ran');

  const probed = await box.safeNpmJson(['check', '--probe']);
  assertExit(probed, 1, 'check --probe');
  const claimed = assertFinding(probed, 'dependency-confusion/claimed-publicly');
  assert.is(claimed.data.name, 'acme-billing');
  assertFinding(probed, 'registries/private-name-elsewhere', 'acme-billing');
  // Neither the @acme organisation nor @acme/widgets exists on the public registry: advice to claim them, not a block.
  assert.equal(
    findingsOf(probed.report, 'dependency-confusion/claim-it').map((finding: any) => [finding.data.name, finding.severity]),
    [['@acme', 'warn'], ['@acme/widgets', 'warn']],
  );

  // Routed correctly (Verdaccio as the default registry, private names never proxied), the same project is clean.
  const routed = await project(context, context.safe, {
    'package.json': manifest({ 'acme-billing': '*', '@acme/widgets': '^1.0.0' }),
    '.safe-npmrc.json': policy(context.safe),
  }, { isDefault: true });
  const clean = await routed.safeNpmJson(['install']);
  assertExit(clean, 0, 'install routed to Verdaccio');
  assert.is((await installedPackages(routed.dir)).get('node_modules/acme-billing'), '1.1.0');
  assert.equal(context.proxy.requests, []);
});

verdaccio('a lockfile edited to fetch @acme/widgets from the public registry is blocked: scope-not-pinned, nothing installed', async (context) => {
  const box = await project(context, context.safe, {
    'package.json': manifest({ '@acme/widgets': '^1.0.0' }),
    '.safe-npmrc.json': policy(context.safe),
  }, { isDefault: true });
  assertExit(await box.safeNpmJson(['install', '--package-lock-only']), 0, 'making the lockfile');
  const file = join(box.dir, 'package-lock.json');
  const lock = JSON.parse(await readFile(file, 'utf8'));
  lock.packages['node_modules/@acme/widgets'].resolved = `${context.harness.registry.url}@acme/widgets/-/widgets-1.0.0.tgz`;
  await writeFile(file, `${JSON.stringify(lock, null, 2)}\n`);

  context.harness.registry.requests.length = 0;
  const ci = await box.safeNpmJson(['ci']);
  assertExit(ci, 1, 'ci');
  const finding = assertFinding(ci, 'registries/scope-not-pinned', '@acme/widgets');
  assert.is(finding.data.registry, context.safe.url);
  assertFinding(ci, 'registries/lockfile-resolved-elsewhere', '@acme/widgets');
  assert.is((await installedPackages(box.dir)).size, 0, 'nothing installed');
  assert.equal(context.harness.registry.requests.filter((request) => request.kind === 'tarball'), [], 'no tarball was fetched from the public registry');
});

verdaccio('safe Verdaccio config: public packages come through the uplink, private names never do, and the guard tells them apart', async (context) => {
  const { safe } = context;
  const packument = await (await fetch(new URL('acme-billing', safe.url), { headers: { authorization: `Bearer ${context.tokens.get(safe)}` } })).json();
  assert.equal(Object.keys(packument.versions).sort(), ['1.0.0', '1.1.0'], 'the public 9.9.9 is not merged in');
  const box = await project(context, safe, {
    'package.json': manifest({ 'acme-billing': 'latest', 'with-dep': '^1.0.0' }),
    '.safe-npmrc.json': policy(safe),
  }, { isDefault: true });
  const checked = await box.safeNpmJson(['check']);
  assertExit(checked, 0, 'check');
  assert.equal(codes(checked.report), []);
});

verdaccio('merging Verdaccio config (private names proxied too): the public 9.9.9 arrives under Verdaccio\'s URL; the guard cannot see where it came from but blocks the version jump on a private name', async (context) => {
  const { merging } = context;
  const packument = await (await fetch(new URL('acme-billing', merging.url), { headers: { authorization: `Bearer ${context.tokens.get(merging)}` } })).json();
  assert.equal(Object.keys(packument.versions).sort(), ['1.0.0', '1.1.0', '9.9.9'], 'Verdaccio merged the uplink version into the private packument');
  assert.ok(packument.versions['9.9.9'].dist.tarball.startsWith(merging.url), 'served under Verdaccio\'s own URL');

  const box = await project(context, merging, {
    'package.json': manifest({ 'acme-billing': '*' }),
    '.safe-npmrc.json': policy(merging),
  }, { isDefault: true });
  const installed = await box.safeNpmJson(['install']);
  assertExit(installed, 1, 'install');
  const jump = assertFinding(installed, 'suspicious-version/version-jump', 'acme-billing');
  assert.is(jump.package.version, '9.9.9');
  assert.match(jump.message, /private name/);
  // Every URL is Verdaccio's: the registries rule has nothing to go on (the registry-side filter does; see test/registry).
  assertNoFinding(installed, 'registries/private-name-elsewhere', 'acme-billing');
  assert.ok(findingsOf(installed.report, 'new-install-script/script-added', 'acme-billing').length > 0, explain(installed));
  assert.is((await installedPackages(box.dir)).size, 0, 'nothing installed');

  // A range the 9.9.9 does not satisfy resolves to the private 1.1.0 and is clean.
  const ranged = await project(context, merging, {
    'package.json': manifest({ 'acme-billing': '^1.0.0' }),
    '.safe-npmrc.json': policy(merging),
  }, { isDefault: true });
  const clean = await ranged.safeNpmJson(['install']);
  assertExit(clean, 0, 'install ^1.0.0');
  assert.is((await installedPackages(ranged.dir)).get('node_modules/acme-billing'), '1.1.0');
});

verdaccio('no token ever appears in the output of any command run here', async (context) => {
  assert.ok(context.runs.length >= 8, `only ${context.runs.length} runs recorded`);
  for (const token of context.tokens.values()) {
    for (const run of context.runs) {
      assert.not.ok(run.stdout.includes(token) || run.stderr.includes(token), `a token shows in\n${explain(run)}`);
    }
  }
});

verdaccio.run();
