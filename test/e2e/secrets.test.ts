// No secret from npm's configuration or a feed URL reaches any output: every
// command, every format, the error paths and SAFE_NPM_DEBUG=1.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { RunResult } from '../helpers/run-cli.js';
import { explain, sandbox, startHarness, type Harness } from './support.js';

const secrets = suite<{ harness: Harness }>('e2e: secrets never printed');

secrets.before(async (context) => {
  context.harness = await startHarness(['tiny-dep', 'with-dep']);
});
secrets.after(async (context) => {
  await context.harness.close();
});

const PASSWORD = 's3cret-pass-4821';
const TOKEN = 'tok-abcdef-123456-zyx';
const AUTH_PASSWORD = 'pw-carol-77731';
const LEGACY_PASSWORD = 'pw-dave-88842';
const QUERY_TOKEN = 'qtok-55512-abc';
const FEED_PASSWORD = 'hunter22-feed';
const SECRETS = [PASSWORD, TOKEN, AUTH_PASSWORD, LEGACY_PASSWORD, QUERY_TOKEN, FEED_PASSWORD, Buffer.from(`carol:${AUTH_PASSWORD}`).toString('base64'), Buffer.from(LEGACY_PASSWORD).toString('base64')];

function assertNoSecret(result: RunResult, what: string): void {
  for (const secret of SECRETS) {
    assert.not.ok(result.stdout.includes(secret) || result.stderr.includes(secret), `${what}: printed a secret (${secret.slice(0, 4)}…)\n${explain(result)}`);
  }
}

async function project(harness: Harness) {
  const url = new URL(harness.registry.url);
  const withCredentials = `${url.protocol}//alice:${PASSWORD}@${url.host}${url.pathname}`;
  const hostKey = `//${url.host}${url.pathname}`;
  return sandbox(
    harness,
    {
      'package.json': { name: 'app', version: '1.0.0', private: true, dependencies: { 'with-dep': '^1.0.0' } },
      '.safe-npmrc.json': {
        intel: {
          // Unreachable on purpose: the feed-unreachable finding names the feed.
          denyLists: [`http://bob:${FEED_PASSWORD}@127.0.0.1:9/deny.txt?token=${QUERY_TOKEN}&x=1`],
        },
      },
    },
    {
      npmrc: [
        `${hostKey}:_authToken=${TOKEN}`,
        `//127.0.0.2/:_auth=${Buffer.from(`carol:${AUTH_PASSWORD}`).toString('base64')}`,
        `//127.0.0.3/:username=dave`,
        `//127.0.0.3/:_password=${Buffer.from(LEGACY_PASSWORD).toString('base64')}`,
      ],
      extra: { npm_config_registry: withCredentials },
    },
  );
}

secrets('check, sbom, inspect, install, policy and intel in every format print no credential', async ({ harness }) => {
  const box = await project(harness);
  const runs: string[][] = [
    ['check'],
    ['check', '--json'],
    ['check', '--format', 'sarif'],
    ['check', '--format', 'cyclonedx'],
    ['sbom'],
    ['inspect', 'with-dep'],
    ['inspect', 'with-dep', '--json'],
    ['check', '--lockfile'],
    ['install', '--dry-run'],
    ['install', '--json'],
    ['policy'],
    ['policy', '--json'],
    ['intel', 'status'],
    ['intel', 'status', '--json'],
  ];
  for (const args of runs) {
    const result = await box.safeNpm(args);
    assert.ok(result.code !== 70, `${args.join(' ')}: no internal error\n${explain(result)}`);
    assertNoSecret(result, args.join(' '));
  }
  // The feed is named (masked), so the outage is still visible.
  const check = await box.safeNpm(['check', '--json']);
  assert.match(check.stdout, /known-malware\/feed-unreachable/);
  assert.match(check.stdout, /bob:\*\*\*@127\.0\.0\.1:9/);
});

secrets('error paths and SAFE_NPM_DEBUG=1 print no credential', async ({ harness }) => {
  const box = await project(harness);
  // A registry that refuses connections: the failure names the registry URL.
  const down = `http://alice:${PASSWORD}@127.0.0.1:9/`;
  for (const extra of [{ npm_config_registry: down }, { npm_config_registry: down, SAFE_NPM_DEBUG: '1' }]) {
    for (const args of [['install'], ['check', '--json'], ['ci']]) {
      const result = await box.safeNpm(args, extra);
      assert.ok(result.code !== 0, `${args.join(' ')} fails against a registry that is down\n${explain(result)}`);
      assertNoSecret(result, `${args.join(' ')} ${extra.SAFE_NPM_DEBUG ? '(debug)' : ''}`);
    }
  }
  const badPolicy = await box.safeNpm(['check', '--policy', `./missing-${TOKEN}.json`]);
  assert.is(badPolicy.code, 2, explain(badPolicy));
  assertNoSecret(badPolicy, 'a usage error naming a secret-looking path');
});

secrets.run();
