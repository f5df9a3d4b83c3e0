// Edit distance, single-edit descriptions, keyboard neighbours, and the
// near-word index checked against brute force on real package names.

import { npmHighImpact } from 'npm-high-impact'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { areKeyboardNeighbours } from '../../lib/heuristics/keyboard.js'
import { NearWordIndex } from '../../lib/heuristics/near-word-index.js'
import { homoglyphSkeleton, splitPackageName, withoutDelimiters } from '../../lib/heuristics/package-name.js'
import { damerauLevenshtein, describeSingleEdit } from '../../lib/heuristics/string-distance.js'

const distance = suite('string-distance')

distance('Damerau–Levenshtein (optimal string alignment)', () => {
  const cases: Array<[string, string, number]> = [
    ['', '', 0], ['abc', '', 3], ['', 'ab', 2], ['lodash', 'lodash', 0],
    ['lodash', 'lodahs', 1], ['lodash', 'lodas', 1], ['lodash', 'loddash', 1], ['lodash', 'lodesh', 1],
    ['electron', 'electorn', 1], ['kitten', 'sitting', 3], ['ca', 'abc', 3], ['abcdef', 'badcfe', 3],
  ]
  for (const [a, b, expected] of cases) {
    assert.is(damerauLevenshtein(a, b), expected, `${a} ↔ ${b}`)
    assert.is(damerauLevenshtein(b, a), expected, `${b} ↔ ${a}`)
  }
})

distance('the limit cuts the work short and caps the answer', () => {
  assert.is(damerauLevenshtein('kitten', 'sitting', 1), 2)
  assert.is(damerauLevenshtein('a', 'abcdef', 2), 3)
  assert.is(damerauLevenshtein('lodash', 'lodahs', 1), 1)
  assert.is(damerauLevenshtein('x'.repeat(100), 'y'.repeat(100), 2), 3, 'long names grow the buffers')
})

distance('a limited distance agrees with the full one', () => {
  const next = random(3)
  const words = ['lodash', 'electron', 'eslint-plugin-react', 'ab', 'abc', 'x'.repeat(70)]
  for (let round = 0; round < 3000; round++) {
    const base = words[Math.floor(next() * words.length)]
    const a = edited(base, Math.floor(next() * 4), next, ['insert', 'delete', 'replace', 'swap'])
    const b = edited(base, Math.floor(next() * 4), next, ['insert', 'delete', 'replace', 'swap'])
    const full = damerauLevenshtein(a, b)
    assert.is(full, referenceDistance(a, b), `${a} ↔ ${b}`)
    for (const limit of [0, 1, 2, 3]) {
      assert.is(damerauLevenshtein(a, b, limit), Math.min(full, limit + 1), `${a} ↔ ${b} within ${limit}`)
    }
  }
})

distance('single edits are described', () => {
  assert.equal(describeSingleEdit('mongose', 'mongoose'), { kind: 'omitted-character', characters: 'o', at: 5 })
  assert.equal(describeSingleEdit('jquerry', 'jquery'), { kind: 'doubled-character', characters: 'r', at: 5 })
  assert.equal(describeSingleEdit('discordi.js', 'discord.js'), { kind: 'inserted-character', characters: 'i', at: 7 })
  assert.equal(describeSingleEdit('lodesh', 'lodash'), { kind: 'replaced-character', characters: 'a→e', at: 3 })
  assert.equal(describeSingleEdit('jqeury', 'jquery'), { kind: 'swapped-characters', characters: 'ue', at: 2 })
  assert.is(describeSingleEdit('lodash', 'lodash'), null)
  assert.is(describeSingleEdit('abc', 'xyz'), null)
})

distance('keyboard neighbours', () => {
  assert.ok(areKeyboardNeighbours('e', 'w'))
  assert.ok(areKeyboardNeighbours('e', 'd'))
  assert.ok(areKeyboardNeighbours('g', 'b'))
  assert.ok(areKeyboardNeighbours('K', 'm'))
  assert.not.ok(areKeyboardNeighbours('e', 'x'))
  assert.not.ok(areKeyboardNeighbours('p', 'g'))
  assert.not.ok(areKeyboardNeighbours('e', 'e'))
  assert.not.ok(areKeyboardNeighbours('-', '_'))
})

distance('name helpers', () => {
  assert.equal(splitPackageName('@Types/Node'), { scope: 'types', bare: 'node' })
  assert.equal(splitPackageName('lodash'), { scope: null, bare: 'lodash' })
  assert.equal(splitPackageName('@types-node'), { scope: 'types-node', bare: '' })
  assert.is(withoutDelimiters('a-b_c.d'), 'abcd')
  assert.is(homoglyphSkeleton('l0dash'), 'lodash')
  assert.is(homoglyphSkeleton('rnornent'), 'moment')
  assert.is(homoglyphSkeleton('vvebpack'), 'webpack')
  assert.is(homoglyphSkeleton('Iodash'), 'lodash')
  assert.is(homoglyphSkeleton('iodash'), 'iodash', 'a dotted i does not pass for an l')
  assert.is(homoglyphSkeleton('ехрress'), 'express', 'Cyrillic е, х, р')
})

const index = suite('near-word-index')

const WORDS = npmHighImpact.filter((name) => !name.startsWith('@') && name.length >= 5).map((name) => name.toLowerCase())
const nearWords = new NearWordIndex(WORDS)

/** A small deterministic generator, so failures reproduce. */
function random(seed: number): () => number {
  let state = seed
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0
    return state / 2 ** 32
  }
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz-.0123456789'

function edited(word: string, edits: number, next: () => number, kinds: string[]): string {
  let text = word
  for (let step = 0; step < edits; step++) {
    const at = Math.floor(next() * text.length)
    const letter = ALPHABET[Math.floor(next() * ALPHABET.length)]
    const kind = kinds[Math.floor(next() * kinds.length)]
    if (kind === 'insert') text = text.slice(0, at) + letter + text.slice(at)
    else if (kind === 'delete' && text.length > 1) text = text.slice(0, at) + text.slice(at + 1)
    else if (kind === 'replace') text = text.slice(0, at) + letter + text.slice(at + 1)
    else if (kind === 'swap' && at + 1 < text.length) text = text.slice(0, at) + text[at + 1] + text[at] + text.slice(at + 2)
  }
  return text
}

function bruteForce(query: string, maxDistance: number, minLength = 0): number[] {
  const ids: number[] = []
  WORDS.forEach((word, id) => {
    if (word.length < minLength) return
    const found = damerauLevenshtein(query, word, maxDistance)
    if (found > 0 && found <= maxDistance) ids.push(id)
  })
  return ids
}

index('distance 1 finds exactly what brute force finds', () => {
  const next = random(1)
  for (let round = 0; round < 300; round++) {
    const query = edited(WORDS[Math.floor(next() * WORDS.length)], 1, next, ['insert', 'delete', 'replace', 'swap'])
    const found = nearWords.near(query, 1).map((match) => match.id).sort((a, b) => a - b)
    assert.equal(found, bruteForce(query, 1), query)
  }
})

index('distance 2 among long words finds every insert/delete/replace pair', () => {
  const next = random(2)
  const longWords = WORDS.filter((word) => word.length >= 12)
  for (let round = 0; round < 200; round++) {
    const query = edited(longWords[Math.floor(next() * longWords.length)], 2, next, ['insert', 'delete', 'replace'])
    const found = new Set(nearWords.near(query, 2).map((match) => match.id))
    for (const id of bruteForce(query, 2, 10)) {
      // Pairs two edits apart with a swap may escape the pigeonhole; insert/delete/replace may not.
      if (damerauLevenshtein(query, WORDS[id]) === 1 || isLevenshteinWithin(query, WORDS[id], 2)) {
        assert.ok(found.has(id), `${query} → ${WORDS[id]}`)
      }
    }
    for (const id of found) assert.ok(damerauLevenshtein(query, WORDS[id]) <= 2)
  }
})

index('results are ordered by distance, then by list position', () => {
  const small = new NearWordIndex(['abcdefghijk', 'abcdefghijx', 'abcdefghixx'])
  assert.equal(small.near('abcdefghijk', 2), [{ id: 1, distance: 1 }, { id: 2, distance: 2 }])
  assert.equal(small.near('abcdefghijk', 1), [{ id: 1, distance: 1 }])
  assert.is(small.size, 3)
  assert.is(small.word(2), 'abcdefghixx')
})

/** Optimal string alignment distance, straight from its definition, as a reference. */
function referenceDistance(a: string, b: string): number {
  const table = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)))
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      table[i][j] = Math.min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) table[i][j] = Math.min(table[i][j], table[i - 2][j - 2] + 1)
    }
  }
  return table[a.length][b.length]
}

/** Plain Levenshtein (no swaps) within a limit. */
function isLevenshteinWithin(a: string, b: string, limit: number): boolean {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    previous = current
  }
  return previous[b.length] <= limit
}

distance.run()
index.run()
