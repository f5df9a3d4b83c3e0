// Fuzzing the registry boundary (lib/npm/registry-data.ts): packuments,
// lockfiles, package.json files, Arborist node fields and stored summaries
// with wrong types anywhere either come out well-typed (with the dropped
// fields named) or are refused with a typed error. Nothing throws otherwise,
// and no object is ever turned into "[object Object]".
import Arborist from '@npmcli/arborist'
import fc from 'fast-check'
import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { FactsCache } from '../../lib/engine/facts-cache.ts'
import { SafeNpmError } from '../../lib/errors.ts'
import { INSTALL_SCRIPT_NAMES } from '../../lib/heuristics/version-signals.ts'
import type { VersionFacts } from '../../lib/model/rule.ts'
import { RecordingPackumentCache, summarisePackument, type PackumentSummary } from '../../lib/npm/packument-facts.ts'
import { checkNodeData, parseLockfile, parseProjectManifest } from '../../lib/npm/registry-data.ts'
import { asParsedJson, fuzzOptions, junk, mostly } from './fuzz-runs.ts'

const versionKey = fc.oneof(fc.constantFrom('1.0.0', '1.0.1', '2.0.0-beta.1', '0.0.0', 'latest', '__proto__', 'constructor', ''), fc.string({ maxLength: 6 }))
const isoTime = fc.oneof(
  fc.date({ min: new Date('1990-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((date) => date.toISOString()),
  fc.constantFrom('not a date', '', '+275760-09-13T00:00:00.001Z', '9999-99-99'),
)
const text = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('alice', 'node install.js', ''))
const dict = <T>(key: fc.Arbitrary<string>, value: fc.Arbitrary<T>) => fc.dictionary(key, value, { maxKeys: 4 })

const manifest = fc.record(
  {
    name: mostly(text),
    version: mostly(versionKey),
    _npmUser: mostly(fc.record({ name: mostly(text), email: junk, trustedPublisher: junk }, { requiredKeys: [] })),
    scripts: mostly(dict(fc.constantFrom(...INSTALL_SCRIPT_NAMES, 'test', 'prepare'), mostly(text))),
    deprecated: mostly(fc.oneof(text, fc.constant(false))),
    description: junk,
    dependencies: mostly(dict(text, mostly(text))),
    dist: mostly(fc.record({ tarball: mostly(text), integrity: mostly(text), attestations: mostly(fc.record({ provenance: junk }, { requiredKeys: [] })) }, { requiredKeys: [] })),
  },
  { requiredKeys: [] },
)

const packument = fc.record(
  {
    name: mostly(text),
    'dist-tags': mostly(dict(fc.constantFrom('latest', 'next', '__proto__'), mostly(versionKey))),
    time: mostly(dict(fc.oneof(versionKey, fc.constantFrom('created', 'modified', 'unpublished')), mostly(isoTime))),
    modified: mostly(isoTime),
    versions: mostly(dict(versionKey, mostly(manifest))),
    readme: junk,
  },
  { requiredKeys: ['name', 'versions'] },
)

function assertWellTyped(facts: VersionFacts): void {
  assert.type(facts.version, 'string')
  assert.ok(facts.publishedAt === null || (facts.publishedAt instanceof Date && !Number.isNaN(facts.publishedAt.getTime())), 'publishedAt is a valid date or null')
  assert.ok(facts.publisher === null || typeof facts.publisher === 'string', 'publisher is a string or null')
  for (const [event, command] of Object.entries(facts.scripts)) {
    assert.ok((INSTALL_SCRIPT_NAMES as readonly string[]).includes(event), `only install scripts: ${event}`)
    assert.type(command, 'string')
  }
  assert.type(facts.hasProvenance, 'boolean')
  assert.type(facts.hasTrustedPublisher, 'boolean')
  assert.ok(facts.deprecated === null || (typeof facts.deprecated === 'string' && facts.deprecated !== ''), 'deprecated is a message or null')
  assert.ok(facts.description == null || typeof facts.description === 'string', 'description is a string or null')
}

function assertSummary(summary: PackumentSummary): void {
  assert.type(summary.name, 'string')
  assert.ok(summary.modified === null || typeof summary.modified === 'string')
  for (const tag of Object.values(summary.distTags)) assert.type(tag, 'string')
  for (const facts of summary.versions) assertWellTyped(facts)
  assert.is(summary.byVersion.size, new Set(summary.versions.map((facts) => facts.version)).size)
  for (const problem of summary.problems) {
    assert.type(problem, 'string')
    assert.not.match(problem, /\[object Object\]|\n/)
  }
}

async function summaryOrNotAPackument(value: unknown): Promise<PackumentSummary | null> {
  try {
    return await summarisePackument(value)
  } catch (error) {
    assert.is((error as { code?: string }).code, 'EBADPACKUMENT', `only "not a packument" may be thrown: ${error}`)
    return null
  }
}

test('a packument with wrong types anywhere gives a well-typed summary naming what was dropped, or "not a packument"', async () => {
  await fc.assert(
    fc.asyncProperty(packument, async (raw) => {
      const summary = await summaryOrNotAPackument(asParsedJson(raw))
      if (summary) assertSummary(summary)
    }),
    fuzzOptions(250),
  )
})

test('a publisher name that is an object is dropped and named, never stringified', async () => {
  const summary = await summarisePackument({
    name: 'x',
    versions: { '1.0.0': { _npmUser: { name: { toString: 1 } } }, '1.1.0': { _npmUser: { name: 'bob' } } },
    time: { '1.0.0': '2020-01-01T00:00:00Z', '1.1.0': '2021-01-01T00:00:00Z' },
  })
  assert.equal(summary.problems, ['versions["1.0.0"]._npmUser.name: expected a string, got an object'])
  assert.equal(summary.versions.map((facts) => facts.publisher), [null, 'bob'])
})

test('any object pacote hands the packument cache is recorded or ignored, never thrown', async () => {
  const cache = new RecordingPackumentCache()
  // pacote only stores parsed JSON objects (Arborist's own LRU cache refuses undefined and null).
  const stored = fc.oneof(packument, junk, fc.anything()).filter((value) => value !== null && typeof value === 'object')
  await fc.assert(
    fc.asyncProperty(stored, async (value) => {
      cache.set('full:x', value)
      for (const summary of (await cache.summaries()).values()) assertSummary(summary)
    }),
    fuzzOptions(100),
  )
})

const nodeFields = fc.record(
  {
    name: mostly(text),
    version: mostly(versionKey),
    location: mostly(text),
    resolved: mostly(fc.oneof(text, fc.constant(null))),
    integrity: mostly(fc.oneof(text, fc.constant(null))),
    scripts: mostly(dict(text, mostly(text))),
    deprecated: mostly(fc.oneof(text, fc.constant(false))),
    gypfile: junk,
  },
  { requiredKeys: [] },
)

test('node fields of the wrong type are dropped and named; strings stay strings', () => {
  fc.assert(
    fc.property(nodeFields, (fields) => {
      const { data, problems } = checkNodeData(asParsedJson(fields) as Record<string, unknown>)
      for (const key of ['name', 'version', 'location'] as const) assert.type(data[key], 'string')
      for (const key of ['resolved', 'integrity'] as const) assert.ok(data[key] == null || typeof data[key] === 'string')
      for (const command of Object.values(data.scripts ?? {})) assert.type(command, 'string')
      assert.ok(data.deprecated == null || data.deprecated === false || typeof data.deprecated === 'string')
      for (const problem of problems) assert.not.match(problem, /\[object Object\]|\n/)
    }),
    fuzzOptions(300),
  )
})

const lockEntry = fc.record(
  {
    version: mostly(versionKey),
    resolved: mostly(text),
    integrity: mostly(text),
    link: mostly(fc.boolean()),
    dev: mostly(fc.boolean()),
    dependencies: mostly(dict(text, mostly(text))),
    hasInstallScript: mostly(fc.boolean()),
    bin: mostly(fc.oneof(text, dict(text, text))),
  },
  { requiredKeys: [] },
)
const lockPath = fc.oneof(fc.constantFrom('node_modules/a', 'node_modules/@s/b', 'node_modules/a/node_modules/c', 'lib', ''), text.map((name) => `node_modules/${name}`))
const lockfile = fc.record(
  {
    name: mostly(text),
    lockfileVersion: mostly(fc.constantFrom(1, 2, 3)),
    requires: mostly(fc.boolean()),
    packages: mostly(dict(lockPath, mostly(lockEntry))),
    dependencies: mostly(dict(text, mostly(fc.record({ version: mostly(versionKey), requires: mostly(dict(text, text)), dependencies: junk }, { requiredKeys: [] })))),
  },
  { requiredKeys: [] },
)

/** The boundary's contract for a file: the document, or a UsageError with this code and a one-line message. */
async function documentOrTypedError(parse: () => Promise<unknown>, code: string): Promise<unknown> {
  try {
    return await parse()
  } catch (error) {
    assert.instance(error, SafeNpmError)
    assert.is((error as SafeNpmError).code, code)
    assert.is((error as SafeNpmError).exitCode, 2)
    assert.not.match((error as Error).message, /\n|\[object Object\]/)
    return null
  }
}

test('any lockfile text is a lockfile or ELOCKFILE naming the file', async () => {
  await fc.assert(
    fc.asyncProperty(fc.oneof(lockfile.map((lock) => JSON.stringify(lock)), fc.json(), fc.string({ maxLength: 20 })), async (body) => {
      const lock = await documentOrTypedError(() => parseLockfile(body, 'package-lock.json'), 'ELOCKFILE')
      if (lock) assert.type(lock, 'object')
    }),
    fuzzOptions(250),
  )
})

test('a lockfile the boundary accepts is one Arborist can read (no TypeError from its paths)', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'safe-npm-fuzz-lock-'))
  let count = 0
  try {
    await fc.assert(
      fc.asyncProperty(lockfile, async (raw) => {
        const body = JSON.stringify(raw)
        if (!(await documentOrTypedError(() => parseLockfile(body, 'package-lock.json'), 'ELOCKFILE'))) return
        const dir = path.join(root, String(count++))
        mkdirSync(dir)
        writeFileSync(path.join(dir, 'package.json'), '{"name": "app", "version": "1.0.0"}')
        writeFileSync(path.join(dir, 'package-lock.json'), body)
        try {
          await new Arborist({ path: dir }).loadVirtual()
        } catch (error) {
          // Arborist's own typed refusals are fine; a TypeError means the schema let a wrong shape through.
          assert.not.instance(error, TypeError, `Arborist failed on an accepted lockfile: ${(error as Error).message} in ${body}`)
        }
      }),
      fuzzOptions(40),
    )
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
})

const projectManifest = fc.record(
  {
    name: mostly(text),
    version: mostly(versionKey),
    dependencies: mostly(dict(text, mostly(text))),
    devDependencies: mostly(dict(text, mostly(text))),
    workspaces: mostly(fc.array(text, { maxLength: 2 })),
    scripts: mostly(dict(text, mostly(text))),
    'safe-npm': junk,
  },
  { requiredKeys: [] },
)

test('any package.json text is a manifest or EPACKAGEJSON naming the field', async () => {
  await fc.assert(
    fc.asyncProperty(fc.oneof(projectManifest.map((value) => JSON.stringify(value)), fc.json(), fc.string({ maxLength: 20 })), async (body) => {
      const manifest = await documentOrTypedError(() => parseProjectManifest(body), 'EPACKAGEJSON')
      if (manifest) assert.type(manifest, 'object')
    }),
    fuzzOptions(200),
  )
})

test('a stored summary with wrong types (and a matching checksum) reads back as null or well-typed, never throws', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'safe-npm-fuzz-facts-'))
  const cache = new FactsCache(dir, 86_400_000)
  const now = Date.now()
  await cache.write(await summarisePackument({ name: 'x', versions: { '1.0.0': {} }, time: { '1.0.0': '2020-01-01T00:00:00Z' } }), now)
  const file = path.join(dir, readdirSync(dir)[0])
  const stored = fc.record(
    {
      format: mostly(fc.constant(1)),
      name: mostly(fc.constant('x')),
      storedAt: mostly(fc.constant(now)),
      modified: mostly(fc.oneof(isoTime, fc.constant(null))),
      distTags: mostly(dict(text, mostly(text))),
      versions: mostly(
        fc.array(
          fc.record(
            {
              v: mostly(versionKey),
              t: mostly(fc.oneof(fc.integer(), fc.constant(null), fc.constant(8.64e15 + 1), fc.double())),
              p: mostly(fc.oneof(text, fc.constant(null))),
              s: mostly(dict(fc.constantFrom(...INSTALL_SCRIPT_NAMES), mostly(text))),
              a: mostly(fc.constant(1)),
              d: mostly(text),
            },
            { requiredKeys: ['v'] },
          ),
          { maxLength: 3 },
        ),
      ),
    },
    { requiredKeys: [] },
  )
  try {
    await fc.assert(
      fc.asyncProperty(stored, async (value) => {
        const versions = (value as { versions?: unknown }).versions
        const document = { ...value, checksum: createHash('sha256').update(JSON.stringify(versions) ?? '').digest('hex') }
        writeFileSync(file, JSON.stringify(document))
        const summary = await cache.read('x', now)
        if (summary) assertSummary(summary)
      }),
      fuzzOptions(50),
    )
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test.run()
