// ERESOLVE explained from what Arborist attaches: what was found, what could not be resolved, who asked.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { explainConflict, isConflictExplanation } from '../../lib/npm/explain-resolution.ts'

const root = { location: '/work/app' }
const conflict = {
  code: 'ERESOLVE',
  current: {
    name: 'typescript',
    version: '6.2.0',
    location: 'node_modules/typescript',
    dependents: [
      { type: 'dev', name: 'typescript', spec: '^6.0.0', from: root },
      { type: 'peer', name: 'typescript', spec: '*', from: { name: 'ts-api-utils', version: '2.1.0' } },
      { type: 'peer', name: 'typescript', spec: '*', from: { name: 'other', version: '1.0.0' } },
    ],
  },
  edge: {
    type: 'peer',
    name: 'typescript',
    spec: '>=4.8.4 <6.1.0',
    from: {
      name: 'typescript-eslint',
      version: '8.74.0',
      location: 'node_modules/typescript-eslint',
      dependents: [{ type: 'dev', name: 'typescript-eslint', spec: '^8.0.0', from: root }],
    },
  },
}

test('an ERESOLVE error is explained the way npm shows it', () => {
  assert.ok(isConflictExplanation(conflict))
  assert.equal(explainConflict(conflict), [
    'While resolving: typescript-eslint@8.74.0',
    'Found: typescript@6.2.0',
    'node_modules/typescript',
    '  dev typescript@"^6.0.0" from the root project',
    '  2 more (ts-api-utils, ...)',
    '',
    'Could not resolve dependency:',
    'peer typescript@">=4.8.4 <6.1.0" from typescript-eslint@8.74.0',
    'node_modules/typescript-eslint',
    '  dev typescript-eslint@"^8.0.0" from the root project',
    '',
    'Fix the upstream dependency conflict, or retry with --force or --legacy-peer-deps to accept an incorrect (and potentially broken) dependency resolution.',
  ])
})

test('something without an edge explanation is not one', () => {
  assert.not.ok(isConflictExplanation({ edge: { huge: true } }))
  assert.not.ok(isConflictExplanation(null))
  assert.equal(explainConflict({}), [])
})

test.run()
