// The registry-data boundary's quick paths give what the slow ones give:
// checkNodeData on nodes of the plain shape (field by field, as the schema),
// and a document without any way to spell __proto__ parsed without a reviver.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import fc from 'fast-check'
import type { z } from 'zod'
import { checkNodeData, nodeDataSchema, parseLockfile } from '../../lib/npm/registry-data.ts'

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
    }),
    { numRuns: 500, seed: 42 },
  )
})

test('a typical lockfile node takes the quick path unchanged', () => {
  const fields = { name: 'left-pad', version: '1.3.0', location: 'node_modules/left-pad', resolved: 'https://r.example/left-pad-1.3.0.tgz', integrity: 'sha512-x', scripts: { test: 'tap' }, deprecated: undefined, gypfile: undefined }
  assert.equal(checkNodeData(fields), { data: { name: 'left-pad', version: '1.3.0', location: 'node_modules/left-pad', resolved: 'https://r.example/left-pad-1.3.0.tgz', integrity: 'sha512-x', scripts: { test: 'tap' } }, problems: [] })
})


test('a lockfile key named __proto__ is refused however it is spelled; others parse as JSON does', () => {
  const lock = (key: string) => `{"lockfileVersion":3,"packages":{"":{"name":"app"},"node_modules/a":{"version":"1.0.0","${key}":{"x":"1"}}}}`
  for (const key of ['__proto__', '\\u005f_proto__', '__pr\\u006fto__']) {
    assert.throws(() => parseLockfile(lock(key), 'package-lock.json'), /a key named "__proto__" is not allowed/, key)
  }
  assert.equal(parseLockfile(lock('dependencies'), 'package-lock.json'), JSON.parse(lock('dependencies')))
  // an escape that spells something else is no reason to refuse
  assert.equal(parseLockfile(lock('depend\\u0065ncies'), 'package-lock.json').packages['node_modules/a'].dependencies, { x: '1' })
  assert.throws(() => parseLockfile('{"lockfileVersion":', 'package-lock.json'), /package-lock.json: invalid JSON/)
})

test.run()
