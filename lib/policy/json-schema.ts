// The JSON Schema shipped for editors, generated from the one zod schema.
import { z } from 'zod'
import { policySchema } from './schema.js'

export function policyJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(policySchema, { io: 'input', target: 'draft-2020-12' }),
    $id: 'https://github.com/safe-npm/safe-npm/policy.schema.json',
    title: 'safe-npm policy',
  }
}
