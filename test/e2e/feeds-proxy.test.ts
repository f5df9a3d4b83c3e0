// Every feed fetched the way npm fetches, through the real binary and a
// recording forward proxy on loopback configured in the user .npmrc: the
// registry's bulk advisories, the OSV API, a deny list, the registry's signing
// keys (provenance.require) and the dependency-confusion probe all go through
// the proxy; third-party endpoints never see a registry token; and a proxy
// that is down makes the feeds unreachable instead of silently empty.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { closedPort, startForwardProxy, type ForwardProxy } from '../helpers/forward-proxy.js';
import { sendJson, startLocalServer, type LocalServer } from '../helpers/local-server.js';
import { assertExit, assertFinding, assertNoFinding, explain, findingsOf, sandbox, startHarness, type Harness } from './support.js';

interface Context {
  harness: Harness;
  /** A fake api.osv.dev. */
  osv: LocalServer;
  /** Serves /blocked.txt. */
  denyHost: LocalServer;
  /** A public registry that knows no package. */
  publicRegistry: LocalServer;
}

const feeds = suite<Context>('e2e: feeds through npm proxy settings');

const DENY_LIST = 'ua-parser-js@0.7.29\n';
const REGISTRY_TOKEN = 'e2e-registry-token';

feeds.before(async (context) => {
  context.harness = await startHarness(['ua-parser-js', 'tiny-dep', 'attested-lib']);
  context.osv = await startLocalServer((request, response) => {
    if (request.method === 'POST' && request.url === '/v1/querybatch') {
      const { queries } = JSON.parse(request.body);
      return sendJson(response, 200, {
        results: queries.map((query: any) => (query.package.name === 'tiny-dep' ? { vulns: [{ id: 'MAL-2026-0042' }] } : {})),
      });
    }
    // No detail: a MAL- id is malware all the same.
    sendJson(response, 404, { code: 5, message: 'Bug not found.' });
  });
  context.denyHost = await startLocalServer((request, response) => {
    if (request.url !== '/blocked.txt') return sendJson(response, 404, {});
    response.writeHead(200, { 'content-type': 'text/plain', etag: '"v1"' });
    response.end(DENY_LIST);
  });
  context.publicRegistry = await startLocalServer((_request, response) => sendJson(response, 404, { error: 'Not found' }));
});
feeds.before.each(({ harness, osv, denyHost, publicRegistry }) => {
  harness.registry.requests.length = 0;
  for (const server of [osv, denyHost, publicRegistry]) server.requests.length = 0;
});
feeds.after(async ({ harness, osv, denyHost, publicRegistry }) => {
  await Promise.all([harness.close(), osv.close(), denyHost.close(), publicRegistry.close()]);
});

/** The server's URL with `host` in place of 127.0.0.1, and a final slash. */
const base = (server: LocalServer, host = '127.0.0.1') => `${server.url.replace('127.0.0.1', host)}/`;
const hostOf = (url: string) => new URL(url).host;

/** A project whose policy turns on every feed, against feed servers reached through `feedHost`. */
async function project(context: Context, npmrc: string[], feedHost: string, extra: Record<string, string | undefined>) {
  const { harness } = context;
  const policy = {
    intel: {
      registryAdvisories: true,
      osv: { enabled: true, url: base(context.osv, feedHost) },
      denyLists: [`${base(context.denyHost, feedHost)}blocked.txt`],
      unreachable: 'block',
    },
    provenance: { require: ['attested-lib'] },
    registries: { private: { 'acme-internal': harness.registry.url } },
    dependencyConfusion: { publicRegistry: base(context.publicRegistry, feedHost) },
  };
  const files = {
    'package.json': { name: 'app', version: '1.0.0', private: true, dependencies: { 'ua-parser-js': '0.7.29', 'tiny-dep': '^1.0.0', 'attested-lib': '2.1.1' } },
    '.safe-npmrc.json': policy,
  };
  return sandbox(harness, files, {
    npmrc: [
      // A registry token, and tokens keyed to the third-party hosts: none of them may leave for a feed.
      `//${hostOf(harness.registry.url)}/:_authToken=${REGISTRY_TOKEN}`,
      `//${hostOf(context.osv.url)}/:_authToken=${REGISTRY_TOKEN}-osv`,
      `//${hostOf(context.denyHost.url)}/:_authToken=${REGISTRY_TOKEN}-deny`,
      `//${hostOf(context.publicRegistry.url)}/:_authToken=${REGISTRY_TOKEN}-public`,
      ...npmrc,
    ],
    extra,
  });
}

/** The proxied requests whose URL starts with `prefix`, as `METHOD path`. */
function proxiedTo(proxy: ForwardProxy, prefix: string): string[] {
  return proxy.requests.filter((request) => request.url.startsWith(prefix)).map((request) => `${request.method} ${request.url.slice(prefix.length - 1)}`);
}

feeds('proxy= / https-proxy= in .npmrc: every feed request goes through the proxy; only the registry gets the registry token', async (context) => {
  const { harness, osv, denyHost, publicRegistry } = context;
  const proxy = await startForwardProxy();
  try {
    // NO_PROXY from the test environment would exempt loopback: without it (and without noproxy) npm proxies everything.
    const box = await project(context, [`proxy=${proxy.url}`, `https-proxy=${proxy.url}`], '127.0.0.1', { NO_PROXY: undefined, no_proxy: undefined });
    const result = await box.safeNpmJson(['check', '--probe']);
    assertExit(result, 1, 'blocked by the feeds');

    // What each feed said arrived.
    assertNoFinding(result, 'known-malware/feed-unreachable');
    assert.is(assertFinding(result, 'known-malware/reported', 'ua-parser-js').data.source, `deny-list:${base(denyHost)}blocked.txt`);
    assert.is(assertFinding(result, 'known-malware/reported', 'tiny-dep').data.id, 'MAL-2026-0042');
    assert.match(String(assertFinding(result, 'provenance/invalid', 'attested-lib').data.detail), /EINTEGRITYSIGNATURE/, 'the keys were read and used');
    const probe = findingsOf(result.report, 'dependency-confusion/claim-it');
    assert.equal(probe.map((finding) => finding.data.name), ['acme-internal'], explain(result));

    // Each feed's requests went through the proxy...
    const registry = harness.registry.url;
    const registryRequests = proxiedTo(proxy, registry);
    assert.ok(registryRequests.includes('POST /-/npm/v1/security/advisories/bulk'), `bulk advisories via the proxy: ${registryRequests}`);
    assert.ok(registryRequests.includes('GET /-/npm/v1/keys'), `signing keys via the proxy: ${registryRequests}`);
    assert.equal(proxiedTo(proxy, base(osv)), ['POST /v1/querybatch', 'GET /v1/vulns/MAL-2026-0042']);
    assert.equal(proxiedTo(proxy, base(denyHost)), ['GET /blocked.txt']);
    assert.equal(proxiedTo(proxy, base(publicRegistry)), ['GET /acme-internal']);
    // ...and nothing went around it.
    assert.is(registryRequests.length, harness.registry.requests.length, 'every registry request was proxied');
    for (const server of [osv, denyHost, publicRegistry]) assert.is(server.requests.length, proxiedTo(proxy, base(server)).length, server.url);

    // The registry's own endpoints get the registry's token; third parties get none.
    const advisories = proxy.requests.find((request) => request.url === `${registry}-/npm/v1/security/advisories/bulk`);
    assert.ok(advisories?.headers.authorization === `Bearer ${REGISTRY_TOKEN}`, 'the registry was asked with its token');
    for (const server of [osv, denyHost, publicRegistry]) {
      for (const request of server.requests) assert.is(request.headers.authorization, undefined, `${request.method} ${server.url}${request.url} carried credentials`);
    }
  } finally {
    await proxy.close();
  }
});

feeds('a proxy that is down: OSV, the deny list and the probe are unreachable (blocking with intel.unreachable "block"), and nothing goes around the proxy', async (context) => {
  const { harness, osv, denyHost, publicRegistry } = context;
  const deadProxy = await closedPort();
  // The registry (127.0.0.1) is exempt through noproxy; the feeds, reached as localhost, are not.
  const box = await project(context, [`proxy=${deadProxy}`, `https-proxy=${deadProxy}`, 'noproxy=127.0.0.1'], 'localhost', {
    NO_PROXY: undefined,
    no_proxy: undefined,
  });
  const result = await box.safeNpmJson(['check', '--probe']);
  assertExit(result, 1, 'unreachable feeds block');
  const unreachable = findingsOf(result.report, 'known-malware/feed-unreachable');
  assert.equal(
    unreachable.map((finding) => [finding.data.feed, finding.severity]).sort(),
    [
      [`deny-list:${base(denyHost, 'localhost')}blocked.txt`, 'block'],
      [`osv-api:${base(osv, 'localhost')}`, 'block'],
    ],
    explain(result),
  );
  assertNoFinding(result, 'known-malware/reported', 'ua-parser-js');
  assertNoFinding(result, 'known-malware/reported', 'tiny-dep');
  const probe = assertFinding(result, 'dependency-confusion/probe-failed');
  assert.is(probe.data.name, 'acme-internal');
  for (const server of [osv, denyHost, publicRegistry]) assert.is(server.requests.length, 0, `${server.url} was asked directly`);
  // The registry itself was reachable: its advisories were read.
  assert.ok(harness.registry.requests.some((request) => request.kind === 'advisories'), 'the registry was asked for advisories');
});

feeds.run();
