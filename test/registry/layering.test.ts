// lib/registry is a leaf: it may use the engine, the rules and their helpers, and nothing may import it.
import { fileURLToPath } from 'node:url'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
// @ts-expect-error: a plain .mjs script without types
import { folderImports } from '../../bench/import-matrix.mjs'

const lib = fileURLToPath(new URL('../../lib', import.meta.url))

test('no folder of lib/ imports lib/registry', () => {
  const { edges } = folderImports(lib)
  for (const [folder, targets] of edges as Map<string, Map<string, unknown>>) {
    if (folder !== 'registry') assert.not.ok(targets.has('registry'), `${folder} imports registry`)
  }
})

test('lib/registry reaches only engine, rules, model, policy, npm, feeds, heuristics and lib/errors.ts', () => {
  const { edges } = folderImports(lib)
  const allowed = new Set(['engine', 'rules', 'model', 'policy', 'npm', 'feeds', 'heuristics', 'registry', '(top)'])
  const targets = [...((edges as Map<string, Map<string, unknown>>).get('registry')?.keys() ?? [])]
  assert.ok(targets.length > 0, 'the import matrix sees lib/registry')
  for (const target of targets) assert.ok(allowed.has(target), `registry imports ${target}`)
})

test.run()
