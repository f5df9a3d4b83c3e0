// checkNodeData's quick path for nodes of the plain shape gives what the
// schema gives, field by field, on plain and odd nodes alike.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import fc from 'fast-check'
import type { z } from 'zod'
import { checkNodeData, nodeDataSchema } from '../../lib/npm/registry-data.ts'

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

test.run()
