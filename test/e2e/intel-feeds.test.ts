// Malware feeds, all on loopback: an offline OSV dataset and its index cache,
// a deny list served over http with validators, the OSV query API, the
// registry's bulk advisory endpoint failing, the vulnerability threshold, and
// `safe-npm intel status|update`. The CLI runs in-process (what it answers is
// the subject); `intel status` and its exit codes also through the real binary.
import { readdirSync, readFileSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  assertExit,
  assertFinding,
  assertNoFinding,
  codes,
  explain,
  findingsOf,
  sandbox,
  startHarness,
  type Harness,
  type Sandbox,
  type SandboxOptions,
} from './support.js';

const feeds = suite<{ harness: Harness }>('e2e: intel feeds');

feeds.before(async (context) => {
  context.harness = await startHarness(['ua-parser-js', 'lodash-lite', 'tiny-dep', 'with-dep', 'left-pad'], { runner: 'in-process' });
});
feeds.after.each(({ harness }) => {
  harness.registry.setAdvisories(null);
  harness.registry.setAdvisoriesFailure(null);
});
feeds.after(async (context) => {
  await context.harness.close();
});

const POLICY = '.safe-npmrc.json';
const DATASET_DIR = fileURLToPath(new URL('../fixtures/intel/e2e/osv-dataset/', import.meta.url));

const manifest = (dependencies: Record<string, string>) => ({ name: 'app', version: '1.0.0', private: true, dependencies });

/** The fixture OSV dataset as project files under `into/`. */
function datasetFiles(into: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else files[`${into}/${relative(DATASET_DIR, path).split('\\').join('/')}`] = readFileSync(path, 'utf8');
    }
  };
  walk(DATASET_DIR);
  return files;
}

function osvDocument(relativePath: string): any {
  return JSON.parse(readFileSync(join(DATASET_DIR, relativePath), 'utf8'));
}

/** Where safe-npm keeps feed caches for this sandbox: beside npm's cache (lib/engine/intel.ts intelCacheDir). */
function intelCache(box: Sandbox): string {
  return join(box.env.npm_config_cache, '_safe-npm');
}

async function project(
  harness: Harness,
  dependencies: Record<string, string>,
  policy: Record<string, any>,
  files: Record<string, string | object> = {},
  options: SandboxOptions = {},
) {
  return sandbox(harness, { 'package.json': manifest(dependencies), [POLICY]: policy, ...files }, options);
}

/** `safe-npm intel <action> --json` → exit code and the feeds it lists. */
async function intel(box: Sandbox, action: 'status' | 'update') {
  const result = await box.safeNpmJson(['intel', action]);
  assert.ok(result.report && Array.isArray(result.report.feeds), `intel ${action} --json prints { feeds }\n${explain(result)}`);
  return { ...result, feeds: result.report.feeds as Array<{ feed: string; state: string; detail: string }> };
}

function feedNamed(feedsList: Array<{ feed: string; state: string; detail: string }>, feed: string) {
  const found = feedsList.find((entry) => entry.feed === feed);
  assert.ok(found, `feed ${feed} in ${JSON.stringify(feedsList)}`);
  return found!;
}

interface LoopbackServer {
  url: string;
  requests: Array<{ method: string; path: string; headers: IncomingMessage['headers']; body: string }>;
  close(): Promise<void>;
}

/** A tiny node:http server on 127.0.0.1 that records every request. */
async function loopbackServer(handle: (request: LoopbackServer['requests'][number], res: ServerResponse) => void): Promise<LoopbackServer> {
  const requests: LoopbackServer['requests'] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = { method: req.method ?? 'GET', path: (req.url ?? '/').split('?')[0], headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(request);
      handle(request, res);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

// Offline OSV dataset.

feeds('offline OSV dataset: a MAL report blocks ua-parser-js@0.7.29; a withdrawn report and a non-malware GHSA block nothing; the index is cached, and rebuilt when the dataset changes', async ({ harness }) => {
  const box = await project(
    harness,
    { 'ua-parser-js': '^0.7.0', 'with-dep': '^1.0.0', 'lodash-lite': '^2.0.0' },
    { intel: { registryAdvisories: false, datasets: ['./malicious-packages'] } },
    datasetFiles('malicious-packages'),
  );
  const feed = 'osv-dataset:./malicious-packages';
  const fresh = await intel(box, 'status');
  assertExit(fresh, 0, 'intel status');
  assert.match(feedNamed(fresh.feeds, feed).detail, /indexed now/);

  const result = await box.safeNpmJson(['check']);
  assertExit(result, 1);
  const finding = assertFinding(result, 'known-malware/reported', 'ua-parser-js');
  assert.is(finding.severity, 'block');
  assert.is(finding.package.version, '0.7.29');
  assert.is(finding.data.id, 'MAL-2021-2001');
  assert.is(finding.data.source, feed);
  assertNoFinding(result, 'known-malware/reported', 'tiny-dep'); // withdrawn
  assertNoFinding(result, 'known-malware/reported', 'lodash-lite'); // a vulnerability, not malware
  assertNoFinding(result, 'known-malware/feed-unreachable');

  const again = await intel(box, 'status');
  const cached = feedNamed(again.feeds, feed);
  assert.is(cached.state, 'ok');
  assert.match(cached.detail, /index cached/, 'the second run reads the index cache');
  assert.match(cached.detail, /^1 malware entries/);

  // A new report in the dataset is seen at the next run: the cache is keyed to the dataset's files.
  const report = osvDocument('osv/malicious/npm/ua-parser-js/MAL-2021-2001.json');
  report.id = 'MAL-2026-0101';
  report.summary = 'Malicious code in left-pad (npm)';
  report.affected[0].package.name = 'left-pad';
  report.affected[0].versions = ['1.3.0'];
  report.database_specific['malicious-packages-origins'][0].versions = ['1.3.0'];
  await writeFile(join(box.dir, 'malicious-packages/osv/malicious/npm/left-pad-MAL-2026-0101.json'), JSON.stringify(report, null, 2));
  await writeFile(join(box.dir, 'package.json'), JSON.stringify(manifest({ 'ua-parser-js': '^0.7.0', 'left-pad': '^1.0.0' })));
  const newReport = await box.safeNpmJson(['check']);
  assertExit(newReport, 1, 'the new report applies');
  assert.is(assertFinding(newReport, 'known-malware/reported', 'left-pad').data.id, 'MAL-2026-0101');
  assertFinding(newReport, 'known-malware/reported', 'ua-parser-js');
  assert.match(feedNamed((await intel(box, 'status')).feeds, feed).detail, /^2 malware entries/);
});

feeds('offline OSV dataset: a corrupted or truncated index cache is rebuilt, not trusted: the package is still blocked', async ({ harness }) => {
  const box = await project(
    harness,
    { 'ua-parser-js': '^0.7.0' },
    { intel: { registryAdvisories: false, datasets: ['./malicious-packages'] } },
    datasetFiles('malicious-packages'),
  );
  assertExit(await box.safeNpmJson(['check']), 1, 'first run builds the index');
  const cacheDir = intelCache(box);
  const cacheFiles = (await readdir(cacheDir)).filter((file) => /^osv-dataset-.*\.json$/.test(file));
  assert.is(cacheFiles.length, 1, `one index cache in ${cacheDir}: ${cacheFiles}`);
  const cacheFile = join(cacheDir, cacheFiles[0]);
  const good = await readFile(cacheFile, 'utf8');
  assert.match(good, /MAL-2021-2001/);

  for (const [what, content] of [
    ['garbage', '\u0000\u0013garbage, not JSON'],
    ['truncated', good.slice(0, Math.floor(good.length / 2))],
  ]) {
    await writeFile(cacheFile, content);
    const result = await box.safeNpmJson(['check']);
    assertExit(result, 1, `${what} cache`);
    assert.is(assertFinding(result, 'known-malware/reported', 'ua-parser-js').data.id, 'MAL-2021-2001', what);
    assertNoFinding(result, 'known-malware/feed-unreachable');
    const rebuilt = JSON.parse(await readFile(cacheFile, 'utf8'));
    assert.ok(rebuilt.entries.some((entry: any) => entry.id === 'MAL-2021-2001'), `the ${what} cache was rewritten`);
  }
  const status = await intel(box, 'status');
  assert.match(feedNamed(status.feeds, 'osv-dataset:./malicious-packages').detail, /index cached/);
});

feeds('offline OSV dataset: an index cache altered in place (one character, still valid JSON) is not trusted: the package is still blocked', async ({ harness }) => {
  const box = await project(
    harness,
    { 'ua-parser-js': '^0.7.0' },
    { intel: { registryAdvisories: false, datasets: ['./malicious-packages'] } },
    datasetFiles('malicious-packages'),
  );
  assertExit(await box.safeNpmJson(['check']), 1, 'first run builds the index');
  const cacheDir = intelCache(box);
  const cacheFile = join(cacheDir, (await readdir(cacheDir)).find((file) => /^osv-dataset-.*\.json$/.test(file))!);
  const good = await readFile(cacheFile, 'utf8');
  // A single flipped digit: "0.7.29" becomes "0.7.20". The file still parses and has the right shape.
  assert.ok(good.includes('"0.7.29"'), good.slice(0, 400));
  await writeFile(cacheFile, good.replace('"0.7.29"', '"0.7.20"'));

  const result = await box.safeNpmJson(['check']);
  assertExit(result, 1, 'a damaged index must not let ua-parser-js@0.7.29 through');
  assert.is(assertFinding(result, 'known-malware/reported', 'ua-parser-js').data.id, 'MAL-2021-2001');
});

// A deny list over http.

feeds('deny list over http: first run fetches it, a second run within maxAge does not ask, intel update revalidates with If-None-Match (304)', async ({ harness }) => {
  const list = '# security team deny list\nua-parser-js@0.7.29\nua-parser-js@0.8.0\nua-parser-js@1.0.0\n';
  const server = await loopbackServer((request, res) => {
    if (request.path !== '/blocked.txt') return sendJson(res, 404, { error: 'Not found' });
    if (request.headers['if-none-match'] === '"v1"') {
      res.writeHead(304, { etag: '"v1"' });
      return res.end();
    }
    res.writeHead(200, { 'content-type': 'text/plain', etag: '"v1"', 'content-length': Buffer.byteLength(list) });
    res.end(list);
  });
  try {
    const location = `${server.url}blocked.txt`;
    const box = await project(harness, { 'ua-parser-js': '^0.7.0', 'tiny-dep': '^1.0.0' }, { intel: { registryAdvisories: false, denyLists: [location], maxAge: '1d' } });

    const first = await box.safeNpmJson(['check']);
    assertExit(first, 1);
    const finding = assertFinding(first, 'known-malware/reported', 'ua-parser-js');
    assert.is(finding.package.version, '0.7.29');
    assert.is(finding.data.source, `deny-list:${location}`);
    assertNoFinding(first, 'known-malware/reported', 'tiny-dep');
    assert.is(server.requests.length, 1, 'fetched once');
    assert.is(server.requests[0].headers['if-none-match'], undefined);

    const second = await box.safeNpmJson(['check']);
    assertExit(second, 1);
    assertFinding(second, 'known-malware/reported', 'ua-parser-js');
    assert.is(server.requests.length, 1, 'the cached copy is used within maxAge');

    const updated = await intel(box, 'update');
    assertExit(updated, 0, 'intel update');
    assert.is(feedNamed(updated.feeds, `deny-list:${location}`).state, 'ok');
    assert.is(server.requests.length, 2, 'intel update asked again');
    assert.is(server.requests[1].headers['if-none-match'], '"v1"', 'with the validator it kept');

    const third = await box.safeNpmJson(['check']);
    assertExit(third, 1);
    assertFinding(third, 'known-malware/reported', 'ua-parser-js');
    assert.is(server.requests.length, 2, 'the revalidated copy is fresh again');
  } finally {
    await server.close();
  }
});

feeds('deny list over http: when its server is down after maxAge, the cached copy still blocks and the outage is reported (feed-unreachable warning)', async ({ harness }) => {
  const list = 'ua-parser-js@0.7.29\n';
  const server = await loopbackServer((_request, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', etag: '"v1"', 'content-length': Buffer.byteLength(list) });
    res.end(list);
  });
  const location = `${server.url}blocked.txt`;
  const box = await project(harness, { 'ua-parser-js': '^0.7.0' }, { intel: { registryAdvisories: false, denyLists: [location], maxAge: '1d' } });
  try {
    assertExit(await box.safeNpmJson(['check']), 1, 'first run fetches the list');
  } finally {
    await server.close();
  }
  // Age the cached copy past maxAge (the entry's checksum covers the body, not the time).
  const cacheDir = intelCache(box);
  const entries = (await readdir(cacheDir)).filter((file) => /^feed-.*\.json$/.test(file));
  assert.is(entries.length, 1, `one cached feed in ${cacheDir}: ${entries}`);
  const entryFile = join(cacheDir, entries[0]);
  const entry = JSON.parse(await readFile(entryFile, 'utf8'));
  assert.is(entry.url, location);
  entry.fetchedAt = new Date(Date.now() - 2 * 86_400_000).toISOString();
  await writeFile(entryFile, JSON.stringify(entry));

  const result = await box.safeNpmJson(['check']);
  assertExit(result, 1, 'still blocked by the cached list');
  assertFinding(result, 'known-malware/reported', 'ua-parser-js');
  const outage = assertFinding(result, 'known-malware/feed-unreachable');
  assert.is(outage.severity, 'warn');
  assert.is(outage.data.feed, `deny-list:${location}`);
  assert.match(String(outage.data.reason), /using the copy from/);

  const status = await intel(box, 'status');
  const feed = feedNamed(status.feeds, `deny-list:${location}`);
  assert.is(feed.state, 'stale', JSON.stringify(status.feeds));
  assert.match(feed.detail, /unreachable/);
});

// The OSV query API.

feeds('OSV API on loopback: querybatch names MAL-2021-2001 for ua-parser-js@0.7.29 → known-malware/reported; a GHSA vulnerability is not malware', async ({ harness }) => {
  const malware = osvDocument('osv/malicious/npm/ua-parser-js/MAL-2021-2001.json');
  const vulnerability = osvDocument('ghsa/GHSA-jf85-cpcp-j695.json');
  const server = await loopbackServer((request, res) => {
    if (request.method === 'POST' && request.path === '/v1/querybatch') {
      const { queries } = JSON.parse(request.body);
      return sendJson(res, 200, {
        results: queries.map((query: any) => {
          if (query.package.name === 'ua-parser-js' && query.version === '0.7.29') return { vulns: [{ id: malware.id, modified: malware.modified }] };
          if (query.package.name === 'lodash-lite') return { vulns: [{ id: vulnerability.id, modified: vulnerability.modified }] };
          return {};
        }),
      });
    }
    const id = /^\/v1\/vulns\/(.+)$/.exec(request.path)?.[1];
    if (request.method === 'GET' && id === malware.id) return sendJson(res, 200, malware);
    if (request.method === 'GET' && id === vulnerability.id) return sendJson(res, 200, vulnerability);
    sendJson(res, 404, { code: 5, message: 'Bug not found.' });
  });
  try {
    const box = await project(harness, { 'ua-parser-js': '^0.7.0', 'lodash-lite': '^2.0.0', 'with-dep': '^1.0.0' }, {
      intel: { registryAdvisories: false, osv: { enabled: true, url: server.url } },
    });
    const result = await box.safeNpmJson(['check']);
    assertExit(result, 1);
    const finding = assertFinding(result, 'known-malware/reported', 'ua-parser-js');
    assert.is(finding.severity, 'block');
    assert.is(finding.data.id, 'MAL-2021-2001');
    assert.is(finding.data.source, 'osv-api');
    assertNoFinding(result, 'known-malware/reported', 'lodash-lite');
    assertNoFinding(result, 'known-malware/feed-unreachable');

    const batch = server.requests.find((request) => request.path === '/v1/querybatch');
    assert.ok(batch, 'querybatch was asked');
    const asked = JSON.parse(batch!.body).queries.map((query: any) => `${query.package.ecosystem}:${query.package.name}@${query.version}`).sort();
    assert.equal(asked, ['npm:lodash-lite@2.1.0', 'npm:tiny-dep@1.2.0', 'npm:ua-parser-js@0.7.29', 'npm:with-dep@1.0.0']);
    assert.equal(
      server.requests.filter((request) => request.method === 'GET').map((request) => request.path).sort(),
      ['/v1/vulns/GHSA-jf85-cpcp-j695', '/v1/vulns/MAL-2021-2001'],
    );
  } finally {
    await server.close();
  }
});

// Feeds that cannot be read are findings, never silently absent.

feeds('feed unreachable: registry advisories answering 500 → known-malware/feed-unreachable warns (exit 0); intel.unreachable "block" → exit 1', async ({ harness }) => {
  harness.registry.setAdvisoriesFailure('error500');
  const warned = await (await project(harness, { 'tiny-dep': '^1.0.0' }, {})).safeNpmJson(['check']);
  assertExit(warned, 0);
  const finding = assertFinding(warned, 'known-malware/feed-unreachable');
  assert.is(finding.severity, 'warn');
  assert.is(finding.data.feed, `registry-advisories:${harness.registry.url}`);
  assert.match(String(finding.data.reason), /500/);
  assert.is(warned.report.result, 'warnings');

  const blocked = await (await project(harness, { 'tiny-dep': '^1.0.0' }, { intel: { unreachable: 'block' } })).safeNpmJson(['check']);
  assertExit(blocked, 1);
  assert.is(assertFinding(blocked, 'known-malware/feed-unreachable').severity, 'block');
  assert.is(blocked.report.result, 'blocked');

  harness.registry.setAdvisoriesFailure('badjson');
  const garbled = await (await project(harness, { 'tiny-dep': '^1.0.0' }, {})).safeNpmJson(['check']);
  assertExit(garbled, 0);
  assert.is(assertFinding(garbled, 'known-malware/feed-unreachable').severity, 'warn', 'an unreadable answer is unreachable too');
});

feeds('a registry that does not offer the bulk advisory endpoint (405) → one note a day, no warning; a registry that used to answer and now says 405 → feed-unreachable warning; intel.unreachable "block" still blocks', async ({ harness }) => {
  harness.registry.setAdvisoriesFailure('error405');
  try {
    const box = await project(harness, { 'tiny-dep': '^1.0.0' }, {});
    const first = await box.safeNpmJson(['check']);
    assertExit(first, 0);
    assertNoFinding(first, 'known-malware/feed-unreachable');
    assert.is(first.report.result, 'clean');
    assert.equal(first.report.notes.map((note: any) => note.code), ['registry-advisories-not-offered']);
    const asked = harness.registry.requests.filter((request) => request.kind === 'advisories').length;
    const text = await box.safeNpm(['check']);
    assertExit(text, 0);
    const noteLines = (output: string) => output.split('\n').filter((line) => line.includes('does not offer the bulk advisory endpoint'));
    // The JSON run above already showed it today: the text run leaves it out.
    assert.equal(noteLines(text.stderr + text.stdout), []);
    // ...and it does not ask the registry again the same day.
    assert.is(harness.registry.requests.filter((request) => request.kind === 'advisories').length, asked, 'a registry that said it has no bulk endpoint is not asked again the same day');
    const status = await box.safeNpm(['intel', 'status']);
    assertExit(status, 0);
    assert.match(status.stdout, /not-offered/);

    const fresh = await project(harness, { 'tiny-dep': '^1.0.0' }, {});
    const shown = await fresh.safeNpm(['check']);
    assert.is(noteLines(shown.stderr).length, 1, explain(shown));
    assert.not.match(shown.stdout, /feed-unreachable/);

    const blocking = await (await project(harness, { 'tiny-dep': '^1.0.0' }, { intel: { unreachable: 'block' } })).safeNpmJson(['check']);
    assertExit(blocking, 1);
    assert.is(assertFinding(blocking, 'known-malware/feed-unreachable').severity, 'block');

    harness.registry.setAdvisoriesFailure(null);
    // Remembered as not offered for a day: --prefer-online asks again, and now it answers.
    const answered = await fresh.safeNpmJson(['check', '--prefer-online']);
    assertExit(answered, 0);
    assert.equal(answered.report.notes, []);
    harness.registry.setAdvisoriesFailure('error405');
    // The answer is cached (intel.maxAge): --prefer-online asks again.
    const broken = await fresh.safeNpmJson(['check', '--prefer-online']);
    assertExit(broken, 0);
    assert.is(assertFinding(broken, 'known-malware/feed-unreachable').severity, 'warn', 'an endpoint that answered before and now does not is an outage');
  } finally {
    harness.registry.setAdvisoriesFailure(null);
  }
});

feeds('feed unreachable: an OSV API nobody listens on → feed-unreachable warning; blocks with intel.unreachable "block"', async ({ harness }) => {
  const server = await loopbackServer((_request, res) => sendJson(res, 404, {}));
  const url = server.url;
  await server.close();
  const policy = (unreachable: string) => ({ intel: { registryAdvisories: false, osv: { enabled: true, url }, unreachable } });
  const warned = await (await project(harness, { 'tiny-dep': '^1.0.0' }, policy('warn'))).safeNpmJson(['check']);
  assertExit(warned, 0);
  const finding = assertFinding(warned, 'known-malware/feed-unreachable');
  assert.is(finding.severity, 'warn');
  assert.is(finding.data.feed, `osv-api:${url}`);
  const blocked = await (await project(harness, { 'tiny-dep': '^1.0.0' }, policy('block'))).safeNpmJson(['check']);
  assertExit(blocked, 1);
  assert.is(assertFinding(blocked, 'known-malware/feed-unreachable').severity, 'block');
});

// Vulnerabilities (not malware) only above the configured threshold.

feeds('vulnerability threshold: a "high" non-malware advisory gives no finding by default; intel.vulnerabilities "moderate" → vulnerabilities/vulnerable warning; "critical" → none', async ({ harness }) => {
  harness.registry.setAdvisories({
    'lodash-lite': [
      {
        id: 1_097_140,
        title: 'Prototype Pollution in lodash-lite',
        severity: 'high',
        vulnerable_versions: '<2.2.0',
        cwe: ['CWE-1321'],
        url: 'https://github.com/advisories/GHSA-jf85-cpcp-j695',
      },
    ],
  });
  const deps = { 'lodash-lite': '^2.0.0', 'tiny-dep': '^1.0.0' };
  const quiet = await (await project(harness, deps, {})).safeNpmJson(['check']);
  assertExit(quiet, 0);
  assert.equal(codes(quiet.report), [], 'no finding by default');

  const reported = await (await project(harness, deps, { intel: { vulnerabilities: 'moderate' } })).safeNpmJson(['check']);
  assertExit(reported, 0, 'vulnerabilities warn');
  const finding = assertFinding(reported, 'vulnerabilities/vulnerable', 'lodash-lite');
  assert.is(finding.severity, 'warn');
  assert.is(finding.package.version, '2.1.0');
  assert.is(finding.data.severity, 'high');
  assert.is(finding.data.id, '1097140');
  assertNoFinding(reported, 'known-malware/reported');
  assert.is(findingsOf(reported.report, 'vulnerabilities/vulnerable').length, 1, explain(reported));

  const above = await (await project(harness, deps, { intel: { vulnerabilities: 'critical' } })).safeNpmJson(['check']);
  assertExit(above, 0);
  assertNoFinding(above, 'vulnerabilities/vulnerable');
});

// safe-npm intel status.

feeds('intel status: exit 0 with a working feed, exit 1 when one is unreachable', async ({ harness }) => {
  const box = await project(harness, { 'tiny-dep': '^1.0.0' }, {}, {}, { runner: 'binary' });
  const working = await intel(box, 'status');
  assertExit(working, 0, 'working feed');
  assert.is(feedNamed(working.feeds, `registry-advisories:${harness.registry.url}`).state, 'ok');

  harness.registry.setAdvisoriesFailure('error500');
  const down = await intel(box, 'status');
  assertExit(down, 1, 'unreachable feed');
  const feed = feedNamed(down.feeds, `registry-advisories:${harness.registry.url}`);
  assert.is(feed.state, 'unreachable');
  assert.match(feed.detail, /500/);
});

feeds.run();
