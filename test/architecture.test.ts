// The layout the README promises: one-way folder layers (type-only imports
// included), rules/ holding only rules, and the rule list the one place a rule is added.
import { readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
// @ts-expect-error: a plain .mjs script without types
import { folderCycles, folderImports } from '../bench/import-matrix.mjs'
import { RULES, RULE_DEFAULT_SEVERITY, RULE_IDS } from '../lib/rules/index.js'

const lib = fileURLToPath(new URL('../lib', import.meta.url))

test('no import cycle between the folders of lib/', () => {
  assert.equal(folderCycles(folderImports(lib)), [])
})

test('the model imports no other folder', () => {
  const { edges } = folderImports(lib)
  assert.equal([...(edges.get('model')?.keys() ?? [])], [])
})

test('the engine never prints and never reaches the CLI or the reporters', () => {
  const { edges } = folderImports(lib)
  for (const folder of ['engine', 'rules', 'feeds', 'heuristics', 'npm', 'policy', 'model']) {
    const targets = [...(edges.get(folder)?.keys() ?? [])]
    assert.not.ok(targets.includes('cli'), `${folder} imports cli`)
    assert.not.ok(targets.includes('report'), `${folder} imports report`)
  }
})

test('the API (lib/api, the package\'s main entry) and the registry plugin are entries: no folder imports them', () => {
  const { edges } = folderImports(lib)
  for (const [from, targets] of edges) {
    assert.not.ok(targets.has('api'), `${from} imports api`)
    assert.not.ok(targets.has('registry'), `${from} imports registry`)
  }
})

test('rules/ holds the rules, one module per rule id, each in the list once', () => {
  const helpers = new Set(['index.ts', 'version-history.ts'])
  const modules = readdirSync(new URL('../lib/rules', import.meta.url)).filter((file) => !helpers.has(file))
  assert.equal(modules.map((file) => file.replace(/\.ts$/, '')).sort(), [...RULE_IDS].sort())
  assert.is(new Set(RULE_IDS).size, RULES.length)
})

test('ids and default severities come from the rules themselves', () => {
  for (const rule of RULES) assert.is(RULE_DEFAULT_SEVERITY[rule.meta.id], rule.meta.defaultSeverity)
})

test('a message severity source names a message the rule declares', () => {
  for (const rule of RULES) {
    for (const messageId of Object.keys(rule.meta.severities ?? {})) {
      assert.ok(messageId in rule.meta.messages, `${rule.meta.id}: severities names ${messageId}`)
    }
  }
})

test.run()
