// Bad input: registry data of the wrong type, policy values out of bounds, a
// policy reached through a symlink out of the project, a broken package.json
// or lockfile, a publish time in the future. Each either blocks with a
// finding (exit 1) or is a one-line typed error (exit 2), never an internal
// error, and nothing in the project changes. The CLI runs in-process (what it
// answers is the subject), except where policy code must never run: through
// the real binary, so that code that did run would not run in this process.
import { symlink, writeFile } from 'node:fs/promises';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { RunResult } from '../helpers/run-cli.js';
import { diffSnapshots, snapshot } from '../helpers/workspace.js';
import { assertExit, assertFinding, explain, fetchedTarballs, sandbox, startHarness, type Harness, type Sandbox } from './support.js';

const bad = suite<{ harness: Harness }>('e2e: bad input');

bad.before(async (context) => {
  context.harness = await startHarness(['tiny-dep', 'with-dep', 'left-pad'], { runner: 'in-process' });
});
bad.after(async (context) => {
  await context.harness.close();
});

const POLICY = '.safe-npmrc.json';
const manifest = (dependencies: Record<string, unknown> | string) => ({ name: 'app', version: '1.0.0', private: true, dependencies });

/** Exit 2 with exactly one stderr line `safe-npm: error CODE: …` that matches `what`; no stack trace. */
function assertOneLineError(result: RunResult, code: string, what: RegExp): void {
  assertExit(result, 2);
  const lines = result.stderr.split('\n').filter((line) => line.trim() !== '');
  assert.is(lines.length, 1, `one line on stderr\n${explain(result)}`);
  assert.match(lines[0], new RegExp(`^safe-npm: error ${code}: `), explain(result));
  assert.match(lines[0], what, explain(result));
  assert.not.match(result.stderr, /^\s+at |internal error/m, 'no stack trace, no internal error');
}

/** Runs `body` and asserts the project (package.json, lockfile, node_modules, everything) is byte-identical afterwards. */
async function unchanged(box: Sandbox, body: () => Promise<void>): Promise<void> {
  const before = await snapshot(box.dir);
  await body();
  assert.equal(diffSnapshots(before, await snapshot(box.dir)), { added: [], removed: [], changed: [] }, 'nothing written');
}

/**
 * A registry in front of the fixture registry that hands out its packuments
 * with `patch` applied (and its own URL in place of the fixture's), so a test
 * can serve data of any shape the fixture format cannot express.
 */
async function patchingRegistry(upstream: string, patch: (packument: any) => void): Promise<{ url: string; close(): Promise<void> }> {
  const target = new URL(upstream);
  let url = '';
  const server: Server = createServer((req, res) => {
    const upstreamRequest = httpRequest(
      { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: { ...req.headers, host: target.host, 'accept-encoding': 'identity' } },
      (upstreamResponse) => {
        const chunks: Buffer[] = [];
        upstreamResponse.on('data', (chunk: Buffer) => chunks.push(chunk));
        upstreamResponse.on('end', () => {
          let body = Buffer.concat(chunks);
          const type = String(upstreamResponse.headers['content-type'] ?? '');
          if (/json/.test(type) && upstreamResponse.statusCode === 200) {
            const text = body.toString('utf8').split(upstream).join(url);
            let document: any = null;
            try {
              document = JSON.parse(text);
            } catch {
              // not JSON: passed on as it is
            }
            if (document && typeof document === 'object' && document.versions) patch(document);
            body = Buffer.from(document ? JSON.stringify(document) : text);
          }
          const headers = { ...upstreamResponse.headers, 'content-length': String(body.length) };
          delete headers['transfer-encoding'];
          res.writeHead(upstreamResponse.statusCode ?? 502, headers);
          res.end(body);
        });
      },
    );
    upstreamRequest.on('error', () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(upstreamRequest);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

bad('blocked: an earlier version whose _npmUser.name is an object makes the package unverifiable naming the field (not exit 70)', async ({ harness }) => {
  const registry = await patchingRegistry(harness.registry.url, (packument) => {
    if (packument.name === 'tiny-dep' && packument.versions['1.0.0']?._npmUser) packument.versions['1.0.0']._npmUser.name = { toString: 1 };
  });
  try {
    const box = await sandbox(harness, { 'package.json': manifest({ 'tiny-dep': '^1.0.0' }) });
    const env = { npm_config_registry: registry.url, npm_config_cache: await harness.tempDir('safe-npm-cache-') };
    await unchanged(box, async () => {
      for (const args of [['check'], ['install']]) {
        const result = await box.safeNpmJson(args, env);
        assertExit(result, 1, args.join(' '));
        const finding = assertFinding(result, 'unverifiable/facts-unavailable', 'tiny-dep');
        assert.match(finding.message, /versions\["1\.0\.0"\]\._npmUser\.name: expected a string, got an object/);
        assert.not.match(`${result.stdout}${result.stderr}`, /\[object Object\]|internal error/);
      }
    });
    assert.equal(fetchedTarballs(harness.registry, 'tiny-dep'), [], 'nothing downloaded');
  } finally {
    await registry.close();
  }
});

bad('usage error: a deny pattern over the length limit is exit 2 naming packages.deny', async ({ harness }) => {
  const box = await sandbox(harness, { 'package.json': manifest({ 'left-pad': '^1.0.0' }), [POLICY]: { packages: { deny: ['a'.repeat(70_000)] } } });
  await unchanged(box, async () => {
    assertOneLineError(await box.safeNpm(['check']), 'EPOLICYINVALID', /\.safe-npmrc\.json: packages\.deny\.0: too long: expected at most 1024 characters/);
    assertOneLineError(await box.safeNpm(['install']), 'EPOLICYINVALID', /packages\.deny\.0: too long/);
  });
});

bad('usage error: a release age of 99999999999999999999w is exit 2 naming minimumReleaseAge.age (not exit 3 "Invalid time value")', async ({ harness }) => {
  for (const age of ['99999999999999999999w', '3654d']) {
    const box = await sandbox(harness, { 'package.json': manifest({ 'left-pad': '^1.0.0' }), [POLICY]: { minimumReleaseAge: { age } } });
    await unchanged(box, async () => {
      assertOneLineError(await box.safeNpm(['install']), 'EPOLICYINVALID', /\.safe-npmrc\.json: minimumReleaseAge\.age: expected a duration/);
    });
  }
});

bad('usage error: extends through a symlinked folder out of the project is refused as code, and the JavaScript never runs', async ({ harness }) => {
  const box = await sandbox(
    harness,
    {
      'app/package.json': manifest({ 'left-pad': '^1.0.0' }),
      [`app/${POLICY}`]: { extends: './linkdir/x.js' },
      'outside/x.js': "require('fs').writeFileSync(require('path').join(process.env.SAFE_NPM_TEST_MARKER_DIR, 'policy-ran'), 'ran'); module.exports = {}\n",
      'outside/safe-npm.config.js': "require('fs').writeFileSync(require('path').join(process.env.SAFE_NPM_TEST_MARKER_DIR, 'config-ran'), 'ran'); module.exports = {}\n",
    },
    { projectSubdir: 'app', runner: 'binary' },
  );
  await symlink(join(box.root, 'outside'), join(box.dir, 'linkdir'), 'dir');
  await unchanged(box, async () => {
    assertOneLineError(await box.safeNpm(['check']), 'EPOLICYCODE', /linkdir\/x\.js: policies from outside the project must be JSON or YAML/);
    assert.not.ok(box.markerExists('policy-ran'), 'the linked JavaScript did not run');
  });

  // A discovered config file that is itself a symlink out of the project is refused the same way.
  const linked = await sandbox(
    harness,
    { 'app/package.json': manifest({ 'left-pad': '^1.0.0' }), 'outside/safe-npm.config.js': 'module.exports = {}\n' },
    { projectSubdir: 'app', runner: 'binary' },
  );
  await writeFile(join(linked.root, 'outside/safe-npm.config.js'), "require('fs').writeFileSync(require('path').join(process.env.SAFE_NPM_TEST_MARKER_DIR, 'config-ran'), 'ran'); module.exports = {}\n");
  await symlink(join(linked.root, 'outside/safe-npm.config.js'), join(linked.dir, 'safe-npm.config.js'));
  await unchanged(linked, async () => {
    assertOneLineError(await linked.safeNpm(['check']), 'EPOLICYCODE', /safe-npm\.config\.js: policies from outside the project must be JSON or YAML/);
    assert.not.ok(linked.markerExists('config-ran'), 'the linked config did not run');
  });
});

bad('usage error: a package.json that is not JSON is EPACKAGEJSON naming package.json, not a policy parse error', async ({ harness }) => {
  const box = await sandbox(harness, { 'package.json': '{"name": "app",\n  "dependencies": {', 'policy.json': {} });
  await unchanged(box, async () => {
    for (const args of [['check'], ['install'], ['ci'], ['check', '--lockfile']]) {
      assertOneLineError(await box.safeNpm(args), 'EPACKAGEJSON', /^safe-npm: error EPACKAGEJSON: package\.json: invalid JSON: /);
    }
    // With --policy too: package.json is checked before anything reads it.
    assertOneLineError(await box.safeNpm(['install', '--policy', 'policy.json']), 'EPACKAGEJSON', /package\.json: invalid JSON/);
  });
});

bad('usage error: "dependencies": "str" is EPACKAGEJSON naming package.json: dependencies (not E404 GET /0)', async ({ harness }) => {
  const box = await sandbox(harness, { 'package.json': manifest('str') });
  await unchanged(box, async () => {
    for (const args of [['check'], ['install'], ['install', 'left-pad']]) {
      assertOneLineError(await box.safeNpm(args), 'EPACKAGEJSON', /package\.json: dependencies: expected an object, got a string/);
    }
  });
  assert.equal(harness.registry.requests.filter((request) => request.path === '/0'), [], 'nothing asked of the registry for "0"');
});

/** A project with a lockfile made by safe-npm, then the lockfile replaced by `lock`. */
async function projectWithLockfile(harness: Harness, lock: unknown): Promise<Sandbox> {
  const box = await sandbox(harness, { 'package.json': manifest({ 'tiny-dep': '^1.0.0' }) });
  assertExit(await box.safeNpmJson(['install', '--package-lock-only']), 0, 'making the lockfile');
  await writeFile(join(box.dir, 'package-lock.json'), typeof lock === 'string' ? lock : JSON.stringify(lock, null, 2));
  return box;
}

const WRONG_SHAPES: Array<[string, unknown, RegExp]> = [
  [
    'an entry that is a string',
    { name: 'app', lockfileVersion: 3, requires: true, packages: { '': { name: 'app', dependencies: { 'tiny-dep': '^1.0.0' } }, 'node_modules/tiny-dep': 'x' } },
    /package-lock\.json: packages\["node_modules\/tiny-dep"\]: expected an object, got a string/,
  ],
  [
    'a resolved that is a number',
    { name: 'app', lockfileVersion: 3, requires: true, packages: { '': { name: 'app' }, 'node_modules/tiny-dep': { version: '1.2.0', resolved: 5 } } },
    /package-lock\.json: packages\["node_modules\/tiny-dep"\]\.resolved: expected a string, got a number/,
  ],
  ['packages that is a list', { name: 'app', lockfileVersion: 3, packages: [] }, /package-lock\.json: packages: expected an object, got a list/],
  ['a document that is a list', [], /package-lock\.json: expected a JSON object, got a list/],
];

for (const [what, lock, message] of WRONG_SHAPES) {
  bad(`usage error: a lockfile with ${what} is ELOCKFILE naming package-lock.json (check --lockfile and ci)`, async ({ harness }) => {
    const box = await projectWithLockfile(harness, lock);
    await unchanged(box, async () => {
      for (const args of [['check', '--lockfile'], ['ci']]) assertOneLineError(await box.safeNpm(args), 'ELOCKFILE', message);
    });
  });
}

bad('usage error: a lockfile that is not JSON is ELOCKFILE', async ({ harness }) => {
  const box = await projectWithLockfile(harness, '{"lockfileVersion": 3, "packages": {');
  await unchanged(box, async () => {
    for (const args of [['check', '--lockfile'], ['ci']]) assertOneLineError(await box.safeNpm(args), 'ELOCKFILE', /package-lock\.json: invalid JSON: /);
  });
});

bad('blocked: a publish time 30 days in the future is its own finding, not "29d 23h ago"', async ({ harness }) => {
  await harness.registry.publish('future-pkg', { version: '1.0.0', publishedAt: '+30d' });
  const box = await sandbox(harness, { 'package.json': manifest({ 'future-pkg': '1.0.0' }) });
  await unchanged(box, async () => {
    for (const args of [['check'], ['install']]) {
      const result = await box.safeNpmJson(args);
      assertExit(result, 1, args.join(' '));
      const finding = assertFinding(result, 'minimum-release-age/future-publish-time', 'future-pkg');
      assert.is(finding.severity, 'block');
      assert.match(finding.message, /in the future/);
      assert.not.match(finding.message, / ago/);
    }
  });
  assert.equal(fetchedTarballs(harness.registry, 'future-pkg'), [], 'nothing downloaded');
});

bad.run();
