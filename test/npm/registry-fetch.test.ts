// The two modes of lib/npm/registry-fetch.ts against a loopback "registry":
// registry requests carry the registry's credentials, third-party requests
// never do, not even to the registry's own host; offline sends nothing that
// npm's cache cannot answer; errors keep the status.

import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { HttpRequestError, registryJson, thirdPartyJson, thirdPartyRequest } from '../../lib/npm/registry-fetch.js'
import { sendJson, startLocalServer, type LocalServer } from '../helpers/local-server.js'

const TOKEN = 'unit-test-registry-token'

const transport = suite<{ server: LocalServer, npmOptions: Record<string, unknown> }>('npm: registry-fetch')

transport.before(async (context) => {
  context.server = await startLocalServer((request, response) => {
    if (request.url === '/missing') return sendJson(response, 404, { error: 'Not found' })
    if (request.url === '/html') {
      response.writeHead(200, { 'content-type': 'text/html' })
      return response.end('<html>')
    }
    sendJson(response, 200, { method: request.method, body: request.body })
  })
  const registry = `${context.server.url}/`
  context.npmOptions = {
    registry,
    [`//${new URL(registry).host}/:_authToken`]: TOKEN,
    retry: { retries: 0 },
    timeout: 10_000,
    noProxy: '127.0.0.1,localhost',
  }
})
transport.before.each(({ server }) => {
  server.requests.length = 0
})
transport.after(async ({ server }) => {
  await server.close()
})

transport("a registry request is npm's own: the registry's token, a JSON body", async ({ server, npmOptions }) => {
  const answer = await registryJson(`${server.url}/`, '/-/npm/v1/security/advisories/bulk', npmOptions, { method: 'POST', json: { 'left-pad': ['1.3.0'] } })
  assert.equal(answer, { method: 'POST', body: '{"left-pad":["1.3.0"]}' })
  assert.is(server.requests[0].url, '/-/npm/v1/security/advisories/bulk')
  assert.ok(server.requests[0].headers.authorization === `Bearer ${TOKEN}`, 'the registry token was sent')
  assert.is(server.requests[0].headers['content-type'], 'application/json')
})

transport("a third-party request carries no credentials, even to the registry's own host", async ({ server, npmOptions }) => {
  const answer = await thirdPartyJson(`${server.url}/deny.txt`, { ...npmOptions, _auth: Buffer.from('user:password').toString('base64') })
  assert.equal(answer, { method: 'GET', body: '' })
  assert.is(server.requests[0].headers.authorization, undefined)
})

transport('offline: a third-party request and a registry POST are not sent', async ({ server, npmOptions }) => {
  for (const attempt of [
    () => thirdPartyRequest(`${server.url}/deny.txt`, { ...npmOptions, offline: true }),
    () => registryJson(`${server.url}/`, '/-/npm/v1/security/advisories/bulk', { ...npmOptions, offline: true }, { method: 'POST', json: {} }),
  ]) {
    try {
      await attempt()
      assert.unreachable('no error')
    } catch (error) {
      assert.instance(error, HttpRequestError)
      assert.is((error as HttpRequestError).code, 'EOFFLINE')
    }
  }
  assert.is(server.requests.length, 0)
})

transport('an error status and an answer that is not JSON are HttpRequestErrors', async ({ server, npmOptions }) => {
  try {
    await thirdPartyJson(`${server.url}/missing`, npmOptions)
    assert.unreachable('no error')
  } catch (error) {
    assert.instance(error, HttpRequestError)
    assert.equal([(error as HttpRequestError).statusCode, (error as HttpRequestError).code], [404, 'E404'])
    assert.match((error as Error).message, /answered 404/)
  }
  try {
    await registryJson(`${server.url}/`, '/html', npmOptions)
    assert.unreachable('no error')
  } catch (error) {
    assert.is((error as HttpRequestError).code, 'EBADJSON')
  }
})

transport.run()
