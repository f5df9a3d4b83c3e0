// Key positions read from JSON text: what SARIF regions are made of.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { jsonKeyPositions, keyPath } from '../../lib/report/json-key-lines.ts'

test('top-level and second-level keys, 1-based lines and columns, nothing deeper', () => {
  const text = '{\n  "a": 1,\n  "deps": {\n    "x": "1",  "y": { "deep": true }\n  }\n}\n'
  const positions = jsonKeyPositions(text)
  assert.equal(positions.get(keyPath('a')), { line: 2, column: 3 })
  assert.equal(positions.get(keyPath('deps')), { line: 3, column: 3 })
  assert.equal(positions.get(keyPath('deps', 'x')), { line: 4, column: 5 })
  assert.equal(positions.get(keyPath('deps', 'y')), { line: 4, column: 16 })
  assert.not.ok(positions.has(keyPath('deps', 'y', 'deep')))
})

test('values are not keys, even when they look like one; strings with escapes, braces and colons are skipped whole', () => {
  const text = '{"packages": {"": {"dependencies": {"node_modules/a": "1"}}, "node_modules/a": {"version": "{\\"}:,"}, "node_modules/\\u0062": {}}}'
  const positions = jsonKeyPositions(text)
  assert.equal([...positions.keys()].sort(), [keyPath('packages'), keyPath('packages', ''), keyPath('packages', 'node_modules/a'), keyPath('packages', 'node_modules/b')].sort())
  assert.is(positions.get(keyPath('packages', 'node_modules/a'))!.column, text.indexOf('"node_modules/a": {"version"') + 1)
})

test('keys inside arrays are not mistaken for the enclosing object\'s; CRLF and a BOM count as npm writes them', () => {
  const text = '\ufeff{\r\n  "list": [{ "k": 1 }, "x"],\r\n  "after": {\r\n    "z": 0\r\n  }\r\n}'
  const positions = jsonKeyPositions(text)
  assert.equal(positions.get(keyPath('after', 'z')), { line: 4, column: 5 })
  assert.not.ok(positions.has(keyPath('k')))
  assert.equal(positions.get(keyPath('list')), { line: 2, column: 3 })
})

test('broken text: what was read before the problem, no exception', () => {
  assert.equal([...jsonKeyPositions('{"a": {"b": 1, "c": "unterminated\n "d": 2').keys()], [keyPath('a'), keyPath('a', 'b'), keyPath('a', 'c')])
  assert.equal([...jsonKeyPositions('{"a": 1, "b\n": 2}').keys()], [keyPath('a')])
  assert.equal(jsonKeyPositions('').size, 0)
  assert.equal(jsonKeyPositions('[1, 2').size, 0)
})

test.run()
