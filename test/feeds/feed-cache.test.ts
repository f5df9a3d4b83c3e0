// The feed cache against a local server on 127.0.0.1: fresh copies served
// without a request, revalidation with ETag / Last-Modified, 304 reuse,
// corrupt entries refetched, stale copies when the feed is unreachable, and
// npm's transport settings: proxy, offline / prefer-offline / prefer-online,
// no registry credentials.

import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { isIntelError } from '../../lib/feeds/errors.js'
import { cachedFetch, type CachedFetchOptions } from '../../lib/feeds/feed-cache.js'
import { closedPort, startForwardProxy } from '../helpers/forward-proxy.js'
import { startLocalServer, type LocalServer } from '../helpers/local-server.js'

/** `status` 0: the connection is dropped without an answer. */
interface Feed { body: string, etag: string | null, lastModified: string | null, status: number }
interface Context { server: LocalServer, cacheDir: string, feed: Feed, clock: Date }

const cache = suite<Context>('feed-cache: cachedFetch')

const HOUR = 60 * 60 * 1000

cache.before(async (context) => {
  context.server = await startLocalServer((request, response) => {
    const { feed } = context
    if (feed.status === 0) return response.destroy()
    if (feed.status !== 200) {
      response.writeHead(feed.status)
      return response.end('unavailable')
    }
    const matches = (feed.etag !== null && request.headers['if-none-match'] === feed.etag) ||
      (feed.etag === null && feed.lastModified !== null && request.headers['if-modified-since'] === feed.lastModified)
    const headers: Record<string, string> = { 'content-type': 'text/plain' }
    if (feed.etag !== null) headers.etag = feed.etag
    if (feed.lastModified !== null) headers['last-modified'] = feed.lastModified
    response.writeHead(matches ? 304 : 200, headers)
    response.end(matches ? undefined : feed.body)
  })
})
cache.before.each(async (context) => {
  context.cacheDir = await mkdtemp(join(tmpdir(), 'safe-npm-feed-'))
  context.feed = { body: 'event-stream@3.3.6\nflatmap-stream\n', etag: '"v1"', lastModified: null, status: 200 }
  context.clock = new Date('2026-01-01T00:00:00Z')
  context.server.requests.length = 0
})
cache.after.each(async (context) => {
  await rm(context.cacheDir, { recursive: true, force: true })
})
cache.after(async (context) => {
  await context.server.close()
})

// What npm's flat options hold for these settings; a proxy from the environment is kept off loopback.
const NPM_OPTIONS = { retry: { retries: 0 }, timeout: 10_000, noProxy: '127.0.0.1,localhost' }

const options = (context: Context, extra: Partial<CachedFetchOptions> = {}, npmOptions: Record<string, unknown> = {}): CachedFetchOptions =>
  ({ cacheDir: context.cacheDir, maxAgeMs: HOUR, now: () => context.clock, npmOptions: { ...NPM_OPTIONS, ...npmOptions }, ...extra })
const url = (context: Context) => `${context.server.url}/deny.txt`
const later = (context: Context, ms: number) => { context.clock = new Date(context.clock.getTime() + ms) }

cache('a first fetch stores the body; within max age no request is made', async (context) => {
  const first = await cachedFetch(url(context), options(context))
  assert.equal(first, { body: context.feed.body, fromCache: false, fetchedAt: context.clock, stale: false })
  later(context, HOUR - 1)
  const second = await cachedFetch(url(context), options(context))
  assert.equal({ ...second, fetchedAt: second.fetchedAt.toISOString() }, { body: context.feed.body, fromCache: true, fetchedAt: '2026-01-01T00:00:00.000Z', stale: false })
  assert.is(context.server.requests.length, 1)
})

cache('after max age the copy is revalidated with If-None-Match; 304 reuses it', async (context) => {
  await cachedFetch(url(context), options(context))
  later(context, HOUR)
  const revalidated = await cachedFetch(url(context), options(context))
  assert.is(revalidated.fromCache, true)
  assert.is(revalidated.body, context.feed.body)
  assert.equal(revalidated.fetchedAt, context.clock, 'a 304 confirms the copy now')
  assert.is(context.server.requests[1].headers['if-none-match'], '"v1"')
  // Confirmed: fresh again for another hour.
  later(context, HOUR - 1)
  await cachedFetch(url(context), options(context))
  assert.is(context.server.requests.length, 2)
})

cache('Last-Modified is sent back as If-Modified-Since', async (context) => {
  context.feed.etag = null
  context.feed.lastModified = 'Wed, 31 Dec 2025 12:00:00 GMT'
  await cachedFetch(url(context), options(context))
  later(context, 2 * HOUR)
  const result = await cachedFetch(url(context), options(context))
  assert.is(result.fromCache, true)
  assert.is(context.server.requests[1].headers['if-modified-since'], 'Wed, 31 Dec 2025 12:00:00 GMT')
  assert.is(context.server.requests[1].headers['if-none-match'], undefined)
})

cache('a changed feed replaces the copy', async (context) => {
  await cachedFetch(url(context), options(context))
  context.feed = { ...context.feed, body: 'crossenv\n', etag: '"v2"' }
  later(context, 2 * HOUR)
  const result = await cachedFetch(url(context), options(context))
  assert.equal([result.body, result.fromCache], ['crossenv\n', false])
  later(context, 2 * HOUR)
  await cachedFetch(url(context), options(context))
  assert.is(context.server.requests[2].headers['if-none-match'], '"v2"')
})

cache('a corrupt entry is discarded and fetched again', async (context) => {
  await cachedFetch(url(context), options(context))
  const [file] = (await readdir(context.cacheDir)).filter((name) => name.endsWith('.json'))
  const valid = JSON.parse(await readFile(join(context.cacheDir, file), 'utf8'))
  for (const corrupt of ['{"format":1,', 'garbage', JSON.stringify({ ...valid, body: 'tampered' }), JSON.stringify({ ...valid, fetchedAt: 'yesterday' })]) {
    await writeFile(join(context.cacheDir, file), corrupt)
    context.server.requests.length = 0
    const result = await cachedFetch(url(context), options(context))
    assert.equal([result.body, result.fromCache], [context.feed.body, false], corrupt.slice(0, 30))
    assert.is(context.server.requests.length, 1)
    assert.is(context.server.requests[0].headers['if-none-match'], undefined, 'no validator from a discarded entry')
  }
})

cache('an unreachable feed with a cached copy returns it flagged stale', async (context) => {
  await cachedFetch(url(context), options(context))
  later(context, 48 * HOUR)
  context.feed.status = 503
  const fromServerError = await cachedFetch(url(context), options(context))
  assert.equal([fromServerError.body, fromServerError.fromCache, fromServerError.stale], [context.feed.body, true, true])
  assert.equal(fromServerError.fetchedAt, new Date('2026-01-01T00:00:00Z'))
  context.feed.status = 0
  const fromNetworkError = await cachedFetch(url(context), options(context))
  assert.is(fromNetworkError.stale, true)
  assert.type(fromNetworkError.staleReason, 'string')
})

cache('an unreachable feed without a cached copy throws EFEEDUNREACHABLE', async (context) => {
  for (const [status, location] of [[500, url(context)], [0, url(context)], [200, `${await closedPort()}/deny.txt`]] as const) {
    context.feed.status = status
    try {
      await cachedFetch(location, options(context))
      assert.unreachable('no error')
    } catch (error) {
      assert.ok(isIntelError(error, 'EFEEDUNREACHABLE'), `${status} ${location}: ${String(error)}`)
    }
  }
})

cache('insecure feed URLs are refused before any request', async (context) => {
  try {
    await cachedFetch('http://feeds.example.com/deny.txt', options(context))
    assert.unreachable('no error')
  } catch (error) {
    assert.ok(isIntelError(error, 'EINSECUREURL'), String(error))
  }
  assert.is(context.server.requests.length, 0)
})

cache('each URL has its own entry', async (context) => {
  await cachedFetch(url(context), options(context))
  await cachedFetch(`${context.server.url}/other.txt`, options(context))
  assert.is((await readdir(context.cacheDir)).length, 2)
})

cache('npm offline: a fresh copy is served, an old one is served stale, none is EFEEDUNREACHABLE; nothing is asked', async (context) => {
  await cachedFetch(url(context), options(context))
  context.server.requests.length = 0
  const fresh = await cachedFetch(url(context), options(context, {}, { offline: true }))
  assert.equal([fresh.fromCache, fresh.stale], [true, false])
  later(context, 2 * HOUR)
  const old = await cachedFetch(url(context), options(context, {}, { offline: true }))
  assert.equal([old.body, old.fromCache, old.stale], [context.feed.body, true, true])
  assert.match(String(old.staleReason), /offline/)
  try {
    await cachedFetch(`${context.server.url}/other.txt`, options(context, {}, { offline: true }))
    assert.unreachable('no error')
  } catch (error) {
    assert.ok(isIntelError(error, 'EFEEDUNREACHABLE'), String(error))
    assert.match((error as Error).message, /offline/)
  }
  assert.is(context.server.requests.length, 0, 'offline asks nobody')
})

cache('npm prefer-offline serves an old copy without asking; prefer-online revalidates a fresh one', async (context) => {
  await cachedFetch(url(context), options(context))
  later(context, 48 * HOUR)
  const old = await cachedFetch(url(context), options(context, {}, { preferOffline: true }))
  assert.equal([old.fromCache, old.stale], [true, false])
  assert.is(context.server.requests.length, 1, 'prefer-offline: no request')
  const revalidated = await cachedFetch(url(context), options(context, { maxAgeMs: 100 * HOUR }, { preferOnline: true }))
  assert.is(revalidated.fromCache, true)
  assert.is(context.server.requests.length, 2, 'prefer-online: asked although fresh')
  assert.is(context.server.requests[1].headers['if-none-match'], '"v1"')
})

cache("the request goes through npm's proxy and carries no registry credentials, even ones configured for the feed's host", async (context) => {
  const proxy = await startForwardProxy()
  try {
    const host = new URL(context.server.url).host
    const result = await cachedFetch(url(context), options(context, {}, {
      proxy: proxy.url,
      noProxy: 'no-such-host.invalid',
      registry: `${context.server.url}/`,
      [`//${host}/:_authToken`]: 'registry-token-for-this-host',
      '//registry.npmjs.org/:_authToken': 'registry-token',
    }))
    assert.is(result.body, context.feed.body)
    assert.equal(proxy.requests.map((request) => `${request.method} ${request.url}`), [`GET ${url(context)}`])
    assert.is(proxy.requests[0].headers.authorization, undefined)
    assert.is(context.server.requests[0].headers.authorization, undefined)
  } finally {
    await proxy.close()
  }
})

cache('a proxy that is down makes the feed unreachable, not empty', async (context) => {
  try {
    await cachedFetch(url(context), options(context, {}, { proxy: await closedPort(), noProxy: 'no-such-host.invalid' }))
    assert.unreachable('no error')
  } catch (error) {
    assert.ok(isIntelError(error, 'EFEEDUNREACHABLE'), String(error))
  }
  assert.is(context.server.requests.length, 0, 'the feed was not asked directly')
})

cache('what a redirect to plain http off loopback answered is never used', async (context) => {
  const redirecting = await startLocalServer((_request, response) => {
    response.writeHead(302, { location: 'http://feeds.example.com/deny.txt' })
    response.end()
  })
  // Stands in for the network beyond loopback: a "proxy" that answers every request itself.
  const network = await startLocalServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/plain' })
    response.end('left-pad\n')
  })
  try {
    await cachedFetch(`${redirecting.url}/deny.txt`, options(context, {}, { proxy: network.url, noProxy: '127.0.0.1' }))
    assert.unreachable('no error')
  } catch (error) {
    assert.ok(isIntelError(error, 'EINSECUREURL'), String(error))
  } finally {
    await redirecting.close()
    await network.close()
  }
  assert.equal(network.requests.map((request) => request.url), ['http://feeds.example.com/deny.txt'], 'the redirect was followed through the proxy')
  assert.equal(await readdir(context.cacheDir).catch(() => []), [], 'nothing was cached')
})

cache.run()
