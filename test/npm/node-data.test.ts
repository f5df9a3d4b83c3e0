// The registry-data boundary's quick paths give what the slow ones give:
// checkNodeData on nodes of the plain shape and on odd ones (field by field, as
// the schema, without loading it), lockfiles and package.json files of the
// plain shape accepted only where the schemas accept them, and a document
// without any way to spell __proto__ parsed without a reviver.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import fc from 'fast-check'
import type { z } from 'zod'
import { readFileSync } from 'node:fs'
import { checkNodeData, isPlainLockfile, isPlainPackument, isPlainProjectManifest, parseLockfile } from '../../lib/npm/registry-data.ts'
import * as schemas from '../../lib/npm/registry-schemas.ts'
import { checkNodeDataBySchema, lockfileSchemaProblem, nodeDataSchema, projectManifestSchemaProblem } from '../../lib/npm/registry-schemas.ts'
import { summariseBySchema, summarisePackument } from '../../lib/npm/packument-facts.ts'
import { loadFixturePackages, startRegistry } from '../helpers/fixture-registry.ts'

/** What the schema alone keeps of a node's fields. */
function bySchema(value: Record<string, unknown>): Record<string, unknown> {
  const data: Record<string, unknown> = { name: '', version: '', location: '' }
  for (const [key, field] of Object.entries(nodeDataSchema.shape)) {
    const result = (field as z.ZodType).safeParse(value[key])
    if (result.success && result.data !== undefined) data[key] = result.data
  }
  return data
}

const value = fc.oneof(fc.string(), fc.constant(null), fc.constant(undefined), fc.constant(false), fc.integer(), fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer())))
const node = fc.record(
  {
    name: fc.oneof(fc.string(), value),
    version: fc.oneof(fc.string(), value),
    location: fc.oneof(fc.string(), value),
    resolved: value,
    integrity: value,
    scripts: fc.oneof(fc.dictionary(fc.string(), fc.string()), value),
    deprecated: value,
    gypfile: value,
  },
  { requiredKeys: [] },
)

test('plain and odd nodes: the same data as the schema, and problems exactly when the schema has them', () => {
  fc.assert(
    fc.property(node, (fields) => {
      const { data, problems } = checkNodeData(fields as Record<string, unknown>)
      assert.equal(data, bySchema(fields as Record<string, unknown>))
      const schemaProblems = Object.entries(nodeDataSchema.shape).some(([key, field]) => !(field as z.ZodType).safeParse((fields as Record<string, unknown>)[key]).success)
      assert.is(problems.length > 0, schemaProblems)
      // ...and the very problems the schema names, in its order.
      assert.equal(checkNodeData(fields as Record<string, unknown>), checkNodeDataBySchema(fields as Record<string, unknown>))
    }),
    { numRuns: 500, seed: 42 },
  )
})

test('a typical lockfile node takes the quick path unchanged', () => {
  const fields = { name: 'left-pad', version: '1.3.0', location: 'node_modules/left-pad', resolved: 'https://r.example/left-pad-1.3.0.tgz', integrity: 'sha512-x', scripts: { test: 'tap' }, deprecated: undefined, gypfile: undefined }
  assert.equal(checkNodeData(fields), { data: { name: 'left-pad', version: '1.3.0', location: 'node_modules/left-pad', resolved: 'https://r.example/left-pad-1.3.0.tgz', integrity: 'sha512-x', scripts: { test: 'tap' } }, problems: [] })
})


/** The message a parse rejects with (null: it did not). */
async function rejection(parse: () => Promise<unknown>): Promise<string | null> {
  try {
    await parse()
    return null
  } catch (error) {
    return (error as Error).message
  }
}

test('a lockfile key named __proto__ is refused however it is spelled; others parse as JSON does', async () => {
  const lock = (key: string) => `{"lockfileVersion":3,"packages":{"":{"name":"app"},"node_modules/a":{"version":"1.0.0","${key}":{"x":"1"}}}}`
  for (const key of ['__proto__', '\\u005f_proto__', '__pr\\u006fto__']) {
    assert.match(await rejection(() => parseLockfile(lock(key), 'package-lock.json')) ?? '', /a key named "__proto__" is not allowed/, key)
  }
  assert.equal(await parseLockfile(lock('dependencies'), 'package-lock.json'), JSON.parse(lock('dependencies')))
  // an escape that spells something else is no reason to refuse
  assert.equal((await parseLockfile(lock('depend\\u0065ncies'), 'package-lock.json')).packages['node_modules/a'].dependencies, { x: '1' })
  assert.match(await rejection(() => parseLockfile('{"lockfileVersion":', 'package-lock.json')) ?? '', /package-lock.json: invalid JSON/)
})

// Values of every kind where the plain checks look, so both sides of each check are met.
const anything = fc.oneof(fc.string(), fc.constant(null), fc.boolean(), fc.integer(), fc.constant(1.5), fc.array(fc.string(), { maxLength: 2 }), fc.dictionary(fc.constantFrom('a', 'b', 'constructor'), fc.oneof(fc.string(), fc.integer(), fc.boolean()), { maxKeys: 2 }))
const maybe = <T>(arbitrary: fc.Arbitrary<T>) => fc.oneof({ weight: 3, arbitrary }, { weight: 1, arbitrary: anything })
const dependencyMap = fc.dictionary(fc.constantFrom('a', '@s/b', 'toString'), fc.string(), { maxKeys: 2 })
const lockEntry = fc.record(
  {
    name: maybe(fc.string()),
    version: maybe(fc.string()),
    resolved: maybe(fc.oneof(fc.string(), fc.constant(null))),
    integrity: maybe(fc.string()),
    dev: maybe(fc.boolean()),
    link: maybe(fc.boolean()),
    hasInstallScript: maybe(fc.boolean()),
    deprecated: maybe(fc.string()),
    dependencies: maybe(dependencyMap),
    peerDependencies: maybe(dependencyMap),
    bin: maybe(fc.oneof(fc.string(), fc.dictionary(fc.string(), fc.string(), { maxKeys: 2 }))),
    requires: maybe(fc.oneof(fc.boolean(), dependencyMap)),
    engines: anything,
  },
  { requiredKeys: [] },
)
const nestedEntries = fc.dictionary(fc.constantFrom('a', 'b'), lockEntry, { maxKeys: 2 })
const lockDocument = fc.record(
  {
    lockfileVersion: maybe(fc.constantFrom(1, 2, 3)),
    requires: maybe(fc.boolean()),
    packages: maybe(fc.dictionary(fc.constantFrom('', 'node_modules/a', 'node_modules/a/node_modules/b'), lockEntry, { maxKeys: 3 })),
    dependencies: maybe(fc.dictionary(fc.constantFrom('a', 'b'), fc.oneof(lockEntry, lockEntry.chain((entry) => nestedEntries.map((dependencies) => ({ ...entry, dependencies })))), { maxKeys: 2 })),
  },
  { requiredKeys: [] },
)
const manifestDocument = fc.record(
  {
    name: maybe(fc.string()),
    version: maybe(fc.string()),
    dependencies: maybe(dependencyMap),
    devDependencies: maybe(dependencyMap),
    peerDependenciesMeta: maybe(fc.dictionary(fc.constantFrom('a'), fc.oneof(fc.record({ optional: maybe(fc.boolean()) }, { requiredKeys: [] }), anything), { maxKeys: 1 })),
    bundleDependencies: maybe(fc.oneof(fc.boolean(), fc.array(fc.string(), { maxLength: 2 }))),
    overrides: maybe(fc.dictionary(fc.string(), anything, { maxKeys: 1 })),
    workspaces: maybe(fc.oneof(fc.array(fc.string(), { maxLength: 2 }), fc.record({ packages: maybe(fc.array(fc.string(), { maxLength: 2 })) }, { requiredKeys: [] }))),
    scripts: maybe(fc.dictionary(fc.string(), fc.string(), { maxKeys: 2 })),
    'safe-npm': anything,
  },
  { requiredKeys: [] },
)

test('a lockfile or package.json the quick checks accept is one the schema accepts (and the checks accept the usual ones)', () => {
  let quick = 0
  fc.assert(
    fc.property(lockDocument, manifestDocument, (lock, manifest) => {
      if (isPlainLockfile(lock)) {
        quick++
        assert.is(lockfileSchemaProblem(lock), null, JSON.stringify(lock))
      }
      if (isPlainProjectManifest(manifest)) assert.is(projectManifestSchemaProblem(manifest), null, JSON.stringify(manifest))
    }),
    { numRuns: 1000, seed: 7 },
  )
  assert.ok(quick > 50, `the quick path was taken ${quick} times in 1000`)
  // Real lockfiles (v3 and a v1/v2-style one with nested dependencies) take the quick path.
  for (const name of ['webapp.package-lock.json', 'safe-npm.package-lock.json']) {
    assert.ok(isPlainLockfile(JSON.parse(readFileSync(new URL(`../fixtures/real-trees/${name}`, import.meta.url), 'utf8'))), name)
  }
  assert.ok(isPlainProjectManifest(JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'))))
})

test('a link entry without the folder it points at is refused, not handed to Arborist (a TypeError there)', async () => {
  const lock = '{"lockfileVersion":3,"packages":{"":{"name":"app"},"node_modules/a":{"link":true}}}'
  assert.is(await rejection(() => parseLockfile(lock, 'package-lock.json')), 'package-lock.json: packages["node_modules/a"].resolved: expected the folder the link points at (a string), got nothing')
  const linked = '{"lockfileVersion":3,"packages":{"":{"name":"app"},"node_modules/a":{"link":true,"resolved":"packages/a"},"packages/a":{"version":"1.0.0"}}}'
  assert.equal(await parseLockfile(linked, 'package-lock.json'), JSON.parse(linked))
})

test('an odd lockfile is still checked by the schema: the problem is named', async () => {
  const odd = '{"lockfileVersion":3,"packages":{"node_modules/a":{"version":"1.0.0","dev":"yes"}}}'
  assert.match(await rejection(() => parseLockfile(odd, 'package-lock.json')) ?? '', /^package-lock.json: packages\["node_modules\/a"\]\.dev: expected a boolean, got a string$/)
})

const version = fc.record(
  {
    _npmUser: maybe(fc.record({ name: maybe(fc.string()), trustedPublisher: anything }, { requiredKeys: [] })),
    scripts: maybe(fc.record({ install: maybe(fc.string()), postinstall: maybe(fc.string()), test: anything }, { requiredKeys: [] })),
    deprecated: maybe(fc.oneof(fc.string(), fc.constant(false))),
    description: anything,
    dependencies: maybe(dependencyMap),
    maintainers: maybe(fc.array(fc.oneof(fc.string(), fc.record({ name: maybe(fc.string()) })), { maxLength: 2 })),
    dist: maybe(fc.record({ integrity: maybe(fc.string()), shasum: maybe(fc.string()), attestations: maybe(fc.record({ provenance: anything }, { requiredKeys: [] })) }, { requiredKeys: [] })),
  },
  { requiredKeys: [] },
)
const packumentDocument = fc.record(
  {
    name: maybe(fc.constant('pkg')),
    versions: maybe(fc.dictionary(fc.constantFrom('1.0.0', '1.1.0', '2.0.0'), version, { maxKeys: 3 })),
    time: maybe(fc.dictionary(fc.constantFrom('1.0.0', '2.0.0', 'modified', 'created'), maybe(fc.constantFrom('2020-01-01T00:00:00.000Z', '2024-05-06T07:08:09.000Z')), { maxKeys: 3 })),
    'dist-tags': maybe(fc.dictionary(fc.constantFrom('latest', 'next'), fc.constantFrom('1.0.0', '2.0.0'), { maxKeys: 2 })),
    modified: maybe(fc.string()),
  },
  { requiredKeys: ['name', 'versions'] },
)

test('a packument the quick check accepts summarises as through the schema, with no problem', async () => {
  let quick = 0
  await fc.assert(
    fc.asyncProperty(packumentDocument, async (generated) => {
      // As pacote hands them over: parsed JSON.
      const document = JSON.parse(JSON.stringify(generated))
      if (!isPlainPackument(document)) return
      quick++
      assert.equal(schemas.checkPackument(document)?.problems, [], JSON.stringify(document))
      assert.equal(await summarisePackument(document), summariseBySchema(schemas, document), JSON.stringify(document))
    }),
    { numRuns: 1000, seed: 11 },
  )
  assert.ok(quick > 50, `the quick path was taken ${quick} times in 1000`)
  // The fixture registry's packuments (built like the public registry's: signatures, attestations, scripts, times) take it.
  const registry = await startRegistry(loadFixturePackages(['acme-utils', 'attested-lib', 'dropper-script']))
  try {
    for (const name of ['acme-utils', 'attested-lib', 'dropper-script']) assert.ok(isPlainPackument(await registry.packument(name)), name)
  } finally {
    await registry.close()
  }
})

test.run()
