// The policy at the registry: a real Verdaccio on loopback with safe-npm's
// filter plugin (loaded through a one-line shim in its plugins folder, as the
// README says), proxying the fixture public registry and holding a private
// package. Plain npm and pnpm clients, without safe-npm, resolve to what the
// policy allows.
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startVerdaccio, type Verdaccio } from '../helpers/verdaccio.js';
import type { RunResult } from '../helpers/run-cli.js';
import { explain, installedPackages, startHarness, startRecordingProxy, type Harness, type RecordingProxy } from '../e2e/support.js';
import { isolatedEnv, makeProject, makeTempDir, removeDirs } from '../helpers/workspace.js';

const require = createRequire(import.meta.url);
const PLUGIN = fileURLToPath(new URL('../../dist/lib/registry/verdaccio-filter.js', import.meta.url));
const PNPM = join(dirname(require.resolve('pnpm/package.json')), 'pnpm');

interface Context {
  harness: Harness;
  proxy: RecordingProxy;
  registry: Verdaccio;
  dirs: string[];
}

const filter = suite<Context>('registry: the Verdaccio filter plugin');

filter.before(async (context) => {
  const [harness, proxy] = await Promise.all([
    startHarness(['tiny-dep', 'with-dep', 'fresh-pkg', 'evil-pkg', 'stream-utils', 'jqeury', 'flatmap-helper']),
    startRecordingProxy(),
  ]);
  const dir = await makeTempDir('safe-npm-filter-');
  const plugins = join(dir, 'plugins');
  await mkdir(plugins);
  // The shim of the README: Verdaccio requires `verdaccio-<id>` from its plugins folder.
  await writeFile(join(plugins, 'verdaccio-safe-npm.js'), `module.exports = require(${JSON.stringify(PLUGIN)});\n`);
  await writeFile(join(dir, 'malware.txt'), '# known-bad versions\nstream-utils@3.3.6\n');
  const policyFile = join(dir, 'safe-npm.json');
  // The public 9.9.9 of the private name, claimed after years of private releases.
  await harness.registry.publish('acme-billing', { version: '9.9.9', publishedAt: '-4d', publisher: 'cyber-researcher-77', scripts: { preinstall: 'node index.js' } });

  // The policy pins the private name to Verdaccio's URL, known once its port is chosen.
  const registry = await startVerdaccio({
    uplinks: { public: harness.registry.url },
    users: { ci: 'ci-password' },
    pluginsDir: plugins,
    beforeStart: async (url) => {
      const policy = {
        minimumReleaseAge: { age: '3d', exclude: ['acme-*'] },
        packages: { deny: ['evil-pkg'] },
        intel: { denyLists: ['malware.txt'] },
        registries: { private: { 'acme-*': url } },
      };
      await writeFile(policyFile, `${JSON.stringify(policy, null, 2)}\n`);
    },
    filters: (url) => ({ 'safe-npm': { policy: policyFile, url, cacheDir: join(dir, 'cache') } }),
    // The unsafe shape on purpose: private names are proxied too, so the filter must tell the versions apart.
    packages: { '**': { access: '$all', proxy: 'public' } },
  });
  const token = await registry.login('ci', 'ci-password');
  await registry.publish(token, { name: 'acme-billing', version: '1.0.0' });
  await registry.publish(token, { name: 'acme-billing', version: '1.1.0' });
  await registry.backdate('acme-billing', { '1.0.0': '-400d', '1.1.0': '-200d' });
  Object.assign(context, { harness, proxy, registry, dirs: [dir] });
});
filter.after(async (context) => {
  await Promise.all([context.registry?.close(), context.harness?.close(), context.proxy?.close()]);
  if (!process.env.SAFE_NPM_E2E_KEEP) await removeDirs(...(context.dirs ?? []));
});

const manifest = (dependencies: Record<string, string>) => ({ name: 'app', version: '1.0.0', private: true, dependencies });

function run(command: string, args: string[], cwd: string, env: Record<string, string>): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? 128, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), signal, timedOut: signal === 'SIGKILL' });
    });
  });
}

/** A project and a client (`npm` or `pnpm`) configured for `registryUrl` and nothing else. */
async function client(context: Context, kind: 'npm' | 'pnpm', registryUrl: string, dependencies: Record<string, string>) {
  const files: Record<string, string | object> = { 'package.json': manifest(dependencies) };
  // pnpm's own release-age gate is off, so what is kept out is the filter's doing.
  if (kind === 'pnpm') files['pnpm-workspace.yaml'] = 'minimumReleaseAge: 0\n';
  const dir = await makeProject(files);
  const home = await makeTempDir('safe-npm-home-');
  context.dirs.push(dir, home);
  const pnpmOnly = kind === 'pnpm' ? { npm_config_store_dir: join(home, 'store'), PNPM_HOME: join(home, 'pnpm') } : {};
  const env = isolatedEnv(registryUrl, home, { extra: { ...context.proxy.env, ...pnpmOnly } });
  const command = kind === 'npm' ? 'npm' : PNPM;
  return {
    dir,
    install: (args: string[] = []) => run(command, kind === 'npm' ? ['install', '--no-audit', ...args] : ['install', ...args], dir, env),
    add: (spec: string) => run(command, kind === 'npm' ? ['install', '--no-audit', spec] : ['add', spec], dir, env),
  };
}

async function packument(registry: Verdaccio, name: string): Promise<any> {
  const answer = await fetch(new URL(name.replace('/', '%2f'), registry.url));
  assert.is(answer.status, 200, `GET ${name}`);
  return answer.json();
}

/** The filter's JSON log entries about `name`. */
function decisions(registry: Verdaccio, name: string): any[] {
  return registry.logEntries().flatMap((entry) => (entry.safeNpm?.package === name ? [entry.safeNpm] : []));
}

/** The decisions logged for a name, once Verdaccio's log (its stdout, read as it comes) has them: the answer can arrive first. */
async function loggedDecisions(registry: Verdaccio, name: string, isWanted: (decision: any) => boolean = () => true): Promise<any[]> {
  for (let waited = 0; waited < 10_000; waited += 50) {
    const found = decisions(registry, name);
    if (found.some(isWanted)) return found;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return decisions(registry, name);
}

filter('packuments: a young version, a malware version and a public version of a private name are taken out, dist-tags repointed, the reasons logged as JSON', async ({ registry }) => {
  const fresh = await packument(registry, 'fresh-pkg');
  assert.equal(Object.keys(fresh.versions), ['1.0.0']);
  assert.equal(fresh['dist-tags'], { latest: '1.0.0' });
  assert.not.ok('1.1.0' in fresh.time, 'no publish time of a version not served');
  const tarball = await fetch(new URL('fresh-pkg/-/fresh-pkg-1.1.0.tgz', registry.url));
  assert.is(tarball.status, 404, 'the tarball of a filtered version is refused too');

  const stream = await packument(registry, 'stream-utils');
  assert.not.ok('3.3.6' in stream.versions);
  assert.is(stream['dist-tags'].latest, '3.3.5');

  const billing = await packument(registry, 'acme-billing');
  assert.equal(Object.keys(billing.versions).sort(), ['1.0.0', '1.1.0'], 'the uplink 9.9.9 of the private name is gone');
  assert.is(billing['dist-tags'].latest, '1.1.0');

  const [freshLog] = await loggedDecisions(registry, 'fresh-pkg');
  assert.is(freshLog.event, 'filtered');
  assert.equal(freshLog.removed.map((entry: any) => [entry.version, entry.findings.map((finding: any) => finding.code)]), [['1.1.0', ['minimum-release-age/too-young']]]);
  const [streamLog] = await loggedDecisions(registry, 'stream-utils');
  assert.ok(streamLog.removed[0].findings.some((finding: any) => finding.code === 'known-malware/reported'), JSON.stringify(streamLog));
  const billingLog = (await loggedDecisions(registry, 'acme-billing', (decision) => decision.removed?.length > 0)).at(-1);
  const billingCodes = billingLog.removed[0].findings.map((finding: any) => finding.code);
  assert.is(billingLog.removed[0].version, '9.9.9');
  assert.ok(billingCodes.includes('registries/private-name-elsewhere'), billingCodes.join(', '));
  assert.ok(billingCodes.includes('suspicious-version/version-jump'), billingCodes.join(', '));

  // Asked again, the same decision is not logged again.
  await packument(registry, 'fresh-pkg');
  assert.is(decisions(registry, 'fresh-pkg').length, 1);
});

filter('a name blocked as a whole (denied, a typosquat) is served with no versions and the reason', async ({ registry }) => {
  for (const [name, code] of [['evil-pkg', 'packages/denied'], ['jqeury', 'typosquatting/imitates']]) {
    const served = await packument(registry, name);
    assert.equal(served.versions, {}, name);
    assert.equal(served['dist-tags'], {}, name);
    const [log] = await loggedDecisions(registry, name);
    assert.is(log?.event, 'withheld', `${name}: a decision is logged`);
    assert.ok(log.reason.startsWith(code), log.reason);
    assert.ok(served.readme.includes(code), served.readme);
  }
});

for (const kind of ['npm', 'pnpm'] as const) {
  filter(`${kind}: a clean project installs exactly what it would from the public registry`, async (context) => {
    const direct = await client(context, kind, context.harness.registry.url, { 'with-dep': '^1.0.0', 'tiny-dep': '^1.0.0' });
    const throughFilter = await client(context, kind, context.registry.url, { 'with-dep': '^1.0.0', 'tiny-dep': '^1.0.0' });
    const [a, b] = [await direct.install(), await throughFilter.install()];
    assert.is(a.code, 0, explain(a));
    assert.is(b.code, 0, explain(b));
    const versions = async (dir: string) => [...(await installedPackages(dir)).entries()].filter(([location]) => !location.includes('.pnpm')).sort();
    assert.equal(await versions(throughFilter.dir), await versions(direct.dir));
    assert.equal(context.proxy.requests, [], 'nothing left the machine');
  });

  filter(`${kind}: the young version is not installed, the previous one is; the malware version neither`, async (context) => {
    const box = await client(context, kind, context.registry.url, {});
    const added = await box.add('fresh-pkg');
    assert.is(added.code, 0, explain(added));
    const malware = await box.add('stream-utils');
    assert.is(malware.code, 0, explain(malware));
    const tree = await installedPackages(box.dir);
    assert.is(tree.get('node_modules/fresh-pkg'), '1.0.0');
    assert.is(tree.get('node_modules/stream-utils'), '3.3.5');
    const pinned = await box.add('fresh-pkg@1.1.0');
    assert.is.not(pinned.code, 0, `asking for the young version exactly fails\n${explain(pinned)}`);
  });

  filter(`${kind}: a denied package cannot be installed`, async (context) => {
    const box = await client(context, kind, context.registry.url, {});
    const denied = await box.add('evil-pkg');
    assert.is.not(denied.code, 0, explain(denied));
    // What a client can say about a name with no versions: npm ENOVERSIONS, pnpm a 404 on /<name>/latest.
    assert.match(denied.stdout + denied.stderr, kind === 'npm' ? /ENOVERSIONS|No versions available/ : /404|not found/i, explain(denied));
    if (process.env.SAFE_NPM_E2E_TIMING) console.error(`[registry] ${kind} on a withheld name:\n${denied.stdout}${denied.stderr}`);
    assert.is((await installedPackages(box.dir)).get('node_modules/evil-pkg'), undefined);
  });
}

filter.run();
