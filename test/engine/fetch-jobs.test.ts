// The registry jobs either thread runs: npm's cache is asked only for
// packuments its index holds (a cold cache sends each one straight to the
// registry), and with npm's own certificate authorities every request goes
// through one agent whose TLS context trusts exactly those.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { readdirSync, readFileSync } from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { fetchPackumentSummary, runJob } from '../../lib/engine/fetch-jobs.ts'
import { FactsCache } from '../../lib/engine/facts-cache.ts'
import { fetchOptionsOf, NOT_FOR_FETCHING } from '../../lib/npm/fetch-options.ts'
import type { TarballTarget } from '../../lib/npm/tarball-manifest.ts'
import { requireCommonJs } from '../../lib/model/commonjs.ts'
import { loadFixturePackages, startRegistry, type FixtureRegistry } from '../helpers/fixture-registry.ts'
import { makeTempDir, removeDirs } from '../helpers/workspace.ts'

const pacote: typeof import('pacote') = requireCommonJs('pacote')
const TLS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/tls')
const CERT = readFileSync(path.join(TLS_DIR, 'loopback.crt'), 'utf8')
const KEY = readFileSync(path.join(TLS_DIR, 'loopback.key'), 'utf8')
const NAMES = ['@acme/internal', 'with-dep', 'tiny-dep']

const packumentRequests = (registry: FixtureRegistry) => registry.requests.filter((request) => !request.url.includes('/-/')).map((request) => decodeURIComponent(request.url))

test('a packument in npm cache is read from it (a scoped name too); one that is not goes to the registry without asking the cache', async () => {
  const registry = await startRegistry(loadFixturePackages(NAMES))
  const dir = await makeTempDir('safe-npm-jobs-')
  const npmOptions = { registry: registry.url, cache: path.join(dir, '_cacache'), fetchRetries: 0 }
  try {
    // As npm's own install leaves them: full packuments stored by make-fetch-happen.
    for (const name of ['@acme/internal', 'with-dep']) await pacote.packument(name, { ...npmOptions, fullMetadata: true })
    registry.requests.length = 0
    for (const name of NAMES) assert.is((await fetchPackumentSummary(name, npmOptions, false)).name, name)
    assert.equal(packumentRequests(registry), ['/tiny-dep'], 'only the uncached packument was asked for')
    // --prefer-online asks the registry whatever the cache holds.
    registry.requests.length = 0
    await fetchPackumentSummary('with-dep', npmOptions, true)
    assert.equal(packumentRequests(registry), ['/with-dep'])
  } finally {
    await registry.close()
    await removeDirs(dir)
  }
})

test('a packument job told where summaries are kept writes its summary there, on the thread that fetched it', async () => {
  const registry = await startRegistry(loadFixturePackages(NAMES))
  const dir = await makeTempDir('safe-npm-jobs-')
  const npmOptions = { registry: registry.url, cache: path.join(dir, '_cacache'), fetchRetries: 0 }
  const folder = path.join(dir, 'facts')
  const now = Date.now()
  try {
    const stored = await runJob({ kind: 'packument', name: 'with-dep', preferOnline: false, store: { folder, now } }, npmOptions)
    await runJob({ kind: 'packument', name: 'tiny-dep', preferOnline: false }, npmOptions)
    const facts = new FactsCache(folder, 60_000)
    const read = await facts.read('with-dep', now)
    assert.ok(read, 'the summary was written')
    // As the facts cache keeps them (a description only when it speaks of security).
    const kept = (versions: any[]) => versions.map(({ version, publishedAt, integrity, dependencies }) => ({ version, publishedAt, integrity, dependencies }))
    assert.equal(kept(read!.versions), kept((stored as any).versions))
    assert.is(await facts.read('tiny-dep', now), null, 'a job without a store writes nothing')
    assert.equal(readdirSync(folder).length, 1, 'one summary file and no temporary file')
  } finally {
    await registry.close()
    await removeDirs(dir)
  }
})

/** An HTTPS front on loopback for the fixture registry, with the test certificate. */
async function startHttpsFront(registry: FixtureRegistry): Promise<{ url: string; close: () => Promise<void>; connections: () => number }> {
  let connections = 0
  const target = new URL(registry.url)
  const server = https.createServer({ key: KEY, cert: CERT }, (request, response) => {
    const upstream = http.request({ host: target.hostname, port: target.port, path: request.url, method: request.method, headers: request.headers }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(response)
    })
    upstream.on('error', () => response.destroy())
    request.pipe(upstream)
  })
  server.on('secureConnection', () => connections++)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `https://127.0.0.1:${port}/`,
    connections: () => connections,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

test("with npm's cafile, one agent trusts exactly its certificates: packuments and tarballs over HTTPS, an untrusted server refused", async () => {
  const registry = await startRegistry(loadFixturePackages(NAMES))
  const front = await startHttpsFront(registry)
  const dir = await makeTempDir('safe-npm-jobs-tls-')
  const base = { registry: front.url, cache: path.join(dir, '_cacache'), fetchRetries: 0 }
  try {
    const withCa = { ...base, ca: CERT }
    const shared = fetchOptionsOf(withCa, true, {})
    assert.ok(shared.agent, 'a cafile gets the shared agent')
    assert.is(shared.ca, undefined, 'requests carry the context, not the bundle')
    assert.is(fetchOptionsOf(withCa, true, {}), shared, 'one agent per options object')

    const summaries = await Promise.all(NAMES.map((name) => runJob({ kind: 'packument', name, preferOnline: true }, withCa)))
    assert.equal(summaries.map((summary: any) => summary.name), NAMES)
    const packument = (await registry.packument('with-dep'))!
    const version = packument.versions[packument['dist-tags'].latest]
    const target: TarballTarget = {
      location: 'node_modules/with-dep',
      name: 'with-dep',
      version: version.version,
      resolved: version.dist.tarball.replace(registry.url, front.url),
      integrity: version.dist.integrity,
      declared: { scripts: {}, hasScriptList: false, dependencies: {}, optionalDependencies: {}, peerDependencies: {}, bin: {} },
    }
    const fact: any = await runJob({ kind: 'tarball', target }, withCa)
    assert.equal(fact.manifest.dependencies, { 'tiny-dep': '^1.0.0' })
    assert.ok(front.connections() <= 15, `connections are kept alive and pooled (${front.connections()})`)

    // Without the certificate the same server is refused: the context is what verifies, nothing is switched off.
    const untrusted = { ...base, cache: path.join(dir, 'other') }
    const refused = await runJob({ kind: 'packument', name: 'tiny-dep', preferOnline: true }, untrusted).then(() => null, (error: any) => error)
    assert.match(String(refused?.code), /SELF_SIGNED|UNABLE_TO_VERIFY|DEPTH_ZERO/)
  } finally {
    await front.close()
    await registry.close()
    await removeDirs(dir)
  }
})

test("npm's agents stay where npm picks a connection per destination: a proxy, client certificates, no cafile", () => {
  const ca = CERT
  const unchanged = [
    { ca },
    { ca, proxy: 'http://127.0.0.1:9' },
    { ca, httpsProxy: 'http://127.0.0.1:9' },
    { ca, cert: 'x', key: 'y' },
    { ca, '//registry.example/:certfile': '/c.pem', '//registry.example/:keyfile': '/k.pem' },
    { registry: 'https://registry.example/' },
  ]
  for (const [index, flat] of unchanged.entries()) {
    const env = index === 0 ? { HTTPS_PROXY: 'http://127.0.0.1:9' } : {}
    const options = fetchOptionsOf(flat, true, env)
    assert.is(options.agent, undefined, JSON.stringify(Object.keys(flat)))
    assert.equal(options, flat, 'nothing else changes')
  }
  assert.ok(fetchOptionsOf({ ca: [CERT] }, true, {}).agent, 'a cafile read as an array of certificates')
  assert.is(fetchOptionsOf({ ca }, false, {}).agent, undefined, "a run of a few jobs keeps npm's agents")
})

test("the jobs' options leave out only settings for other commands: credentials, scoped registries and unknown keys stay", () => {
  const flat: Record<string, unknown> = {
    registry: 'https://registry.example/',
    '//registry.example/:_authToken': 'secret',
    '@acme:registry': 'https://acme.example/',
    userAgent: 'npm/11',
    fetchRetries: 2,
    someFutureSetting: true,
  }
  for (const key of NOT_FOR_FETCHING) flat[key] = 'x'
  const options = fetchOptionsOf(flat, true, {})
  assert.equal(options, { registry: 'https://registry.example/', '//registry.example/:_authToken': 'secret', '@acme:registry': 'https://acme.example/', userAgent: 'npm/11', fetchRetries: 2, someFutureSetting: true })
})

test("no library of npm's fetch stack reads a setting the jobs leave out", () => {
  const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../node_modules')
  const libraries = ['pacote', 'npm-registry-fetch', 'make-fetch-happen', 'minipass-fetch', '@npmcli/agent', 'cacache', 'ssri', 'npm-pick-manifest', '@npmcli/git']
  const sources: Array<[string, string]> = []
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name)
      if (entry.isDirectory()) walk(file)
      else if (entry.name.endsWith('.js')) sources.push([file, readFileSync(file, 'utf8')])
    }
  }
  for (const library of libraries) walk(path.join(root, library, 'lib'))
  assert.ok(sources.length > 50, `the sources were found (${sources.length} files)`)
  const reads: string[] = []
  for (const key of NOT_FOR_FETCHING) {
    const read = new RegExp(`\\b(?:opts|options|flatOptions|npmOptions|this\\.opts|this\\.options)\\??\\.${key}\\b|\\{[^}]*\\b${key}\\b[^}]*\\}\\s*=\\s*(?:opts|options)\\b`)
    for (const [file, text] of sources) if (read.test(text)) reads.push(`${key} in ${path.relative(root, file)}`)
  }
  assert.equal(reads, [])
})

test.run()
