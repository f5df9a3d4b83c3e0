// The OSV API client against a local fake of api.osv.dev on 127.0.0.1:
// chunking, paging, classification of GHSA ids, refusal of insecure URLs,
// failures that must not pass for a clean answer, and npm's transport
// settings (proxy, offline, no registry credentials).

import type { ServerResponse } from 'node:http'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { isIntelError } from '../../lib/feeds/errors.js'
import { queryOsvBatch, type PackageVersion } from '../../lib/feeds/osv-api.js'
import { requireSecureUrl } from '../../lib/feeds/secure-url.js'
import { closedPort, startForwardProxy } from '../helpers/forward-proxy.js'
import { sendJson, startLocalServer, type LocalServer, type RecordedRequest } from '../helpers/local-server.js'

/** What the fake knows: `name@version` → vulnerability ids. */
const KNOWN: Record<string, string[]> = {
  'event-stream@3.3.6': ['GHSA-mh6f-8j2x-4483'],
  'flatmap-stream@0.1.1': ['MAL-2025-20690', 'GHSA-mh6f-8j2x-4483'],
  'lodash@4.17.11': ['GHSA-jf85-cpcp-j695', 'CVE-2019-10744'],
  'crossenv@6.1.1': ['MAL-2022-1001'],
  'is-promise@2.2.0': ['MAL-2020-3003'],
}

// MAL-2025-20690 has no detail here: a MAL- id counts even when its detail cannot be read.
const DETAILS: Record<string, unknown> = {
  'MAL-2022-1001': {
    id: 'MAL-2022-1001',
    summary: 'Malicious code in crossenv (npm)',
    affected: [{ package: { ecosystem: 'npm', name: 'crossenv' }, versions: ['6.1.1'] }],
  },
  'MAL-2020-3003': {
    id: 'MAL-2020-3003',
    withdrawn: '2020-04-26T00:00:00Z',
    summary: 'Malicious code in is-promise (npm)',
    affected: [{ package: { ecosystem: 'npm', name: 'is-promise' }, versions: ['2.2.0'] }],
  },
  'GHSA-mh6f-8j2x-4483': {
    id: 'GHSA-mh6f-8j2x-4483',
    summary: 'Critical severity vulnerability that affects event-stream and flatmap-stream',
    affected: [{ package: { ecosystem: 'npm', name: 'event-stream' }, versions: ['3.3.6'] }],
    database_specific: { cwe_ids: ['CWE-506'] },
  },
  'GHSA-jf85-cpcp-j695': {
    id: 'GHSA-jf85-cpcp-j695',
    summary: 'Prototype Pollution in lodash',
    affected: [{ package: { ecosystem: 'npm', name: 'lodash' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '4.17.12' }] }] }],
    database_specific: { cwe_ids: ['CWE-1321'] },
  },
}

/** `rawAnswer`: every request answered with this status and body; `detailsGone`: every detail is a 404. */
interface Context { server: LocalServer, pageSize: number, failWith: number | null, rawAnswer: { status: number, body: string } | null, detailsGone: boolean }

const api = suite<Context>('osv-api: queryOsvBatch')

/** Answers like api.osv.dev, handing out at most `pageSize` ids per query and a page token for the rest. */
function fakeOsv(context: Context) {
  return (request: RecordedRequest, response: ServerResponse): void => {
    if (context.failWith !== null) return sendJson(response, context.failWith, { message: 'unavailable' })
    if (context.rawAnswer !== null) return sendJson(response, context.rawAnswer.status, context.rawAnswer.body)
    if (context.detailsGone && request.url.startsWith('/v1/vulns/')) {
      response.writeHead(404, { 'content-type': 'text/plain' })
      return response.end('gone')
    }
    if (request.method === 'POST' && request.url === '/v1/querybatch') {
      const { queries } = JSON.parse(request.body) as { queries: Array<{ package: { name: string, ecosystem: string }, version: string, page_token?: string }> }
      const results = queries.map((query) => {
        assert.is(query.package.ecosystem, 'npm')
        const ids = KNOWN[`${query.package.name}@${query.version}`] ?? []
        const start = query.page_token === undefined ? 0 : Number(query.page_token)
        const page = ids.slice(start, start + context.pageSize)
        const result: Record<string, unknown> = page.length === 0 ? {} : { vulns: page.map((id) => ({ id, modified: '2024-01-01T00:00:00Z' })) }
        if (start + context.pageSize < ids.length) result.next_page_token = String(start + context.pageSize)
        return result
      })
      return sendJson(response, 200, { results })
    }
    const detail = /^\/v1\/vulns\/(.+)$/.exec(request.url)
    if (request.method === 'GET' && detail !== null && DETAILS[decodeURIComponent(detail[1])] !== undefined) {
      return sendJson(response, 200, DETAILS[decodeURIComponent(detail[1])])
    }
    sendJson(response, 404, { code: 5, message: 'Bug not found.' })
  }
}

api.before(async (context) => {
  context.pageSize = 1000
  context.failWith = null
  context.rawAnswer = null
  context.detailsGone = false
  context.server = await startLocalServer(fakeOsv(context))
})
api.before.each((context) => {
  context.server.requests.length = 0
  context.pageSize = 1000
  context.failWith = null
  context.rawAnswer = null
  context.detailsGone = false
})
api.after(async (context) => {
  await context.server.close()
})

// What npm's flat options hold for these settings; a proxy from the environment is kept off loopback.
const NPM_OPTIONS = { retry: { retries: 0 }, timeout: 10_000, noProxy: '127.0.0.1,localhost' }

const PACKAGES: PackageVersion[] = [
  { name: 'event-stream', version: '3.3.6' },
  { name: 'flatmap-stream', version: '0.1.1' },
  { name: 'lodash', version: '4.17.11' },
  { name: 'crossenv', version: '6.1.1' },
  { name: 'left-pad', version: '1.3.0' },
  { name: 'is-promise', version: '2.2.0' },
]

api('malware ids per package; vulnerabilities, withdrawn reports and clean packages are left out', async ({ server }) => {
  const result = await queryOsvBatch(PACKAGES, { baseUrl: server.url, npmOptions: NPM_OPTIONS })
  assert.equal(Object.fromEntries(result), {
    'event-stream@3.3.6': ['GHSA-mh6f-8j2x-4483'],
    'flatmap-stream@0.1.1': ['GHSA-mh6f-8j2x-4483', 'MAL-2025-20690'],
    'crossenv@6.1.1': ['MAL-2022-1001'],
  })
  const detailRequests = server.requests.filter((request) => request.method === 'GET').map((request) => request.url).sort()
  // CVE ids are never malware reports: only MAL- and GHSA ids are looked up, once each.
  assert.equal(detailRequests, [
    '/v1/vulns/GHSA-jf85-cpcp-j695', '/v1/vulns/GHSA-mh6f-8j2x-4483',
    '/v1/vulns/MAL-2020-3003', '/v1/vulns/MAL-2022-1001', '/v1/vulns/MAL-2025-20690',
  ])
  const [batch] = server.requests
  assert.is(batch.headers['content-type'], 'application/json')
  assert.equal(JSON.parse(batch.body).queries[0], { package: { name: 'event-stream', ecosystem: 'npm' }, version: '3.3.6' })
})

api('queries go in chunks of at most 1000', async ({ server }) => {
  const many = Array.from({ length: 2500 }, (_, index) => ({ name: `pkg-${index}`, version: '1.0.0' }))
  many.push({ name: 'crossenv', version: '6.1.1' })
  const result = await queryOsvBatch(many, { baseUrl: server.url, npmOptions: NPM_OPTIONS })
  assert.equal(Object.fromEntries(result), { 'crossenv@6.1.1': ['MAL-2022-1001'] })
  const sizes = server.requests.filter((request) => request.method === 'POST').map((request) => JSON.parse(request.body).queries.length)
  assert.equal(sizes, [1000, 1000, 501])
  server.requests.length = 0
  await queryOsvBatch(PACKAGES, { baseUrl: server.url, chunkSize: 2, npmOptions: NPM_OPTIONS })
  assert.equal(server.requests.filter((request) => request.method === 'POST').length, 3)
})

api('next_page_token is followed for the query that has more', async (context) => {
  context.pageSize = 1
  const result = await queryOsvBatch(PACKAGES, { baseUrl: `${context.server.url}/`, npmOptions: NPM_OPTIONS })
  assert.equal(result.get('flatmap-stream@0.1.1'), ['GHSA-mh6f-8j2x-4483', 'MAL-2025-20690'])
  const batches = context.server.requests.filter((request) => request.method === 'POST').map((request) => JSON.parse(request.body).queries)
  assert.is(batches.length, 2)
  assert.equal(batches[1].map((query: { package: { name: string } }) => query.package.name), ['flatmap-stream', 'lodash'])
  assert.is(batches[1][0].page_token, '1')
})

api('duplicates are asked once', async ({ server }) => {
  await queryOsvBatch([...PACKAGES, ...PACKAGES], { baseUrl: server.url, npmOptions: NPM_OPTIONS })
  assert.is(JSON.parse(server.requests[0].body).queries.length, PACKAGES.length)
})

api("requests go through npm's proxy and carry no registry credentials, even ones configured for the API's host", async ({ server }) => {
  const proxy = await startForwardProxy()
  try {
    const host = new URL(server.url).host
    const result = await queryOsvBatch([{ name: 'crossenv', version: '6.1.1' }], {
      baseUrl: server.url,
      npmOptions: {
        ...NPM_OPTIONS,
        proxy: proxy.url,
        noProxy: 'no-such-host.invalid',
        registry: `${server.url}/`,
        [`//${host}/:_authToken`]: 'registry-token-for-this-host',
        [`//${host}/:_auth`]: Buffer.from('user:password').toString('base64'),
      },
    })
    assert.equal(result.get('crossenv@6.1.1'), ['MAL-2022-1001'])
    assert.equal(proxy.requests.map((request) => `${request.method} ${request.url}`), [`POST ${server.url}/v1/querybatch`, `GET ${server.url}/v1/vulns/MAL-2022-1001`])
    for (const request of [...proxy.requests, ...server.requests]) assert.is(request.headers.authorization, undefined, request.url)
  } finally {
    await proxy.close()
  }
})

api('a proxy that is down or npm offline: EOSVQUERY, and the API is not asked directly', async ({ server }) => {
  for (const npmOptions of [{ proxy: await closedPort(), noProxy: 'no-such-host.invalid' }, { offline: true }]) {
    try {
      await queryOsvBatch(PACKAGES, { baseUrl: server.url, npmOptions: { ...NPM_OPTIONS, ...npmOptions } })
      assert.unreachable('no error')
    } catch (error) {
      assert.ok(isIntelError(error, 'EOSVQUERY'), String(error))
    }
  }
  assert.is(server.requests.length, 0)
})

api('server errors and unreadable answers throw EOSVQUERY', async (context) => {
  const expectFailure = async (message: RegExp, baseUrl = context.server.url): Promise<void> => {
    try {
      await queryOsvBatch(PACKAGES, { baseUrl, npmOptions: NPM_OPTIONS })
      assert.unreachable('no error')
    } catch (error) {
      assert.ok(isIntelError(error, 'EOSVQUERY'), String(error))
      assert.match((error as Error).message, message)
    }
  }
  context.failWith = 503
  await expectFailure(/answered 503/)
  context.failWith = null
  const answering = (body: string, status = 200) => { context.rawAnswer = { status, body } }
  answering('<html>')
  await expectFailure(/not JSON/)
  answering('{}')
  await expectFailure(/no results array/)
  answering('{"results":[{}]}')
  await expectFailure(/1 results for 6 queries/)
  context.rawAnswer = null
  await expectFailure(/failed: .*ECONNREFUSED/, await closedPort())
})

api('a GHSA detail that cannot be read fails the query instead of passing it', async (context) => {
  context.detailsGone = true
  try {
    await queryOsvBatch(PACKAGES, { baseUrl: context.server.url, npmOptions: NPM_OPTIONS })
    assert.unreachable('no error')
  } catch (error) {
    assert.ok(isIntelError(error, 'EOSVQUERY'), String(error))
    assert.match((error as Error).message, /GHSA-/)
  }
})

api('plain http is refused unless the host is loopback', async () => {
  const refused = ['http://api.osv.dev', 'http://10.0.0.1:8080', 'ftp://127.0.0.1', 'file:///tmp/osv', 'not a url']
  // Should a URL get through, it meets a proxy nobody listens on instead of the network.
  const nowhere = { ...NPM_OPTIONS, proxy: await closedPort(), noProxy: 'no-such-host.invalid' }
  for (const baseUrl of refused) {
    try {
      await queryOsvBatch(PACKAGES, { baseUrl, npmOptions: nowhere })
      assert.unreachable(`accepted ${baseUrl}`)
    } catch (error) {
      assert.ok(isIntelError(error, 'EINSECUREURL'), `${baseUrl}: ${String(error)}`)
    }
  }
  for (const url of ['https://api.osv.dev', 'http://127.0.0.1:9', 'http://localhost:9', 'http://[::1]:9', 'http://127.1.2.3']) {
    assert.is(requireSecureUrl(url).href.startsWith(url.slice(0, 8)), true, url)
  }
})

api.run()
