// Finds the words of a fixed list within a small Damerau–Levenshtein distance
// of a query without comparing the query against every word.
//
// - Distance 1 (insert, delete, replace, adjacent swap) is found with a
//   symmetric deletion index (as in SymSpell): a word and each of its one-
//   character deletions are keys; a query within distance 1 shares a key.
// - Distance 2 for long words is found with a pigeonhole index: each long word
//   is cut into three pieces, and any string within two single-character
//   insertions, deletions or replacements keeps one piece intact, shifted by
//   at most two places. (A swap next to another edit can escape it.)
//
// Keys are 32-bit hashes kept in typed arrays rather than strings in a Map:
// that makes the index over ~10,000 names take milliseconds to build. A hash
// collision only adds a candidate; every candidate is verified with the exact
// distance.

import { damerauLevenshtein } from './string-distance.js'

export interface NearWord {
  /** Position of the word in the list the index was built from. */
  id: number
  distance: number
}

/** Words of at least this length are also indexed for distance 2. */
const LONG_WORD_LENGTH = 10
const PIECES = 3
const MAX_SHIFT = 2
const HASH_BASE = 0x01000193

export class NearWordIndex {
  readonly #words: string[]
  /** Which characters each word contains, as bits: a cheap test before the exact distance. */
  readonly #characterSets: Int32Array
  readonly #deletions: HashMultimap
  readonly #pieces: HashMultimap
  readonly #candidates: CandidateSet

  constructor(words: string[]) {
    this.#words = words
    this.#characterSets = Int32Array.from(words, characterSet)
    this.#candidates = new CandidateSet(words.length)
    let deletionCount = 0
    let pieceCount = 0
    for (const word of words) {
      deletionCount += word.length + 1
      if (word.length >= LONG_WORD_LENGTH) pieceCount += PIECES
    }
    this.#deletions = new HashMultimap(deletionCount)
    this.#pieces = new HashMultimap(pieceCount)
    words.forEach((word, id) => {
      const hashes = sharedHashes.load(word)
      this.#deletions.add(hashes.whole(), id)
      for (let i = 0; i < word.length; i++) this.#deletions.add(hashes.without(i), id)
      if (word.length >= LONG_WORD_LENGTH) {
        pieceBounds(word.length).forEach(([start, end], piece) => {
          this.#pieces.add(pieceHash(word.length, piece, hashes.slice(start, end)), id)
        })
      }
    })
  }

  get size(): number {
    return this.#words.length
  }

  word(id: number): string {
    return this.#words[id]
  }

  /**
   * Words within `maxDistance` (1 or 2) of `query`, closest first and then in
   * list order. Distance 2 is only looked for among words of 10 or more characters.
   */
  near(query: string, maxDistance: 1 | 2): NearWord[] {
    const hashes = sharedHashes.load(query)
    const candidates = this.#candidates.clear()
    this.#deletions.collect(hashes.whole(), candidates)
    for (let i = 0; i < query.length; i++) this.#deletions.collect(hashes.without(i), candidates)
    if (maxDistance === 2) this.#collectByPieces(query.length, hashes, candidates)

    // Each edit adds or removes at most two characters from the set of characters used.
    const querySet = characterSet(query)
    const found: NearWord[] = []
    for (const id of candidates.ids) {
      if (bitCount(querySet ^ this.#characterSets[id]) > 2 * maxDistance) continue
      const distance = damerauLevenshtein(query, this.#words[id], maxDistance)
      if (distance > 0 && distance <= maxDistance) found.push({ id, distance })
    }
    return found.sort((a, b) => a.distance - b.distance || a.id - b.id)
  }

  /**
   * Looks up, for each possible word length, the places where an intact piece
   * can sit in the query: the first piece never moves; the last one ends
   * where the query ends; the middle one moves by the insertions and
   * deletions before it, and what it moves plus what the last piece's edits
   * move is at most two.
   */
  #collectByPieces(queryLength: number, hashes: PrefixHashes, candidates: CandidateSet): void {
    for (let length = Math.max(queryLength - MAX_SHIFT, LONG_WORD_LENGTH); length <= queryLength + MAX_SHIFT; length++) {
      const [[, firstEnd], [middleStart, middleEnd], [lastStart]] = pieceBounds(length)
      const difference = queryLength - length
      if (firstEnd <= queryLength) this.#pieces.collect(pieceHash(length, 0, hashes.slice(0, firstEnd)), candidates)
      for (let shift = -MAX_SHIFT; shift <= MAX_SHIFT; shift++) {
        if (Math.abs(shift) + Math.abs(difference - shift) > MAX_SHIFT) continue
        if (middleStart + shift < 0 || middleEnd + shift > queryLength) continue
        this.#pieces.collect(pieceHash(length, 1, hashes.slice(middleStart + shift, middleEnd + shift)), candidates)
      }
      if (lastStart + difference >= 0) this.#pieces.collect(pieceHash(length, 2, hashes.slice(lastStart + difference, queryLength)), candidates)
    }
  }
}

/** Distinct word ids of one query, without allocating per query. */
class CandidateSet {
  readonly ids: number[] = []
  readonly #seenIn: Int32Array
  #query = 0

  constructor(size: number) {
    this.#seenIn = new Int32Array(size)
  }

  clear(): this {
    this.ids.length = 0
    this.#query++
    return this
  }

  add(id: number): void {
    if (this.#seenIn[id] === this.#query) return
    this.#seenIn[id] = this.#query
    this.ids.push(id)
  }
}

/**
 * Polynomial hashes (mod 2^32) of every prefix of one text, so any slice or
 * one-character deletion hashes in O(1). One shared instance: hashing is
 * synchronous, and reusing its buffers spares the garbage collector.
 */
class PrefixHashes {
  #prefix = new Int32Array(256)
  #power = new Int32Array(256)
  #length = 0

  load(text: string): this {
    if (this.#prefix.length <= text.length) {
      this.#prefix = new Int32Array(text.length * 2 + 1)
      this.#power = new Int32Array(text.length * 2 + 1)
    }
    this.#length = text.length
    this.#power[0] = 1
    for (let i = 0; i < text.length; i++) {
      this.#prefix[i + 1] = (Math.imul(this.#prefix[i], HASH_BASE) + text.charCodeAt(i) + 1) | 0
      this.#power[i + 1] = Math.imul(this.#power[i], HASH_BASE)
    }
    return this
  }

  whole(): number {
    return this.slice(0, this.#length)
  }

  slice(start: number, end: number): number {
    return (this.#prefix[end] - Math.imul(this.#prefix[start], this.#power[end - start])) | 0
  }

  /** Hash of the text with the character at `index` removed. */
  without(index: number): number {
    const rest = this.slice(index + 1, this.#length)
    return (Math.imul(this.#prefix[index], this.#power[this.#length - index - 1]) + rest) | 0
  }
}

const sharedHashes = new PrefixHashes()

/** A multimap from 32-bit hash to ids, chained in typed arrays. */
class HashMultimap {
  readonly #heads: Int32Array
  readonly #mask: number
  readonly #hashes: Int32Array
  readonly #ids: Int32Array
  readonly #next: Int32Array
  #count = 0

  constructor(capacity: number) {
    let tableSize = 16
    while (tableSize < capacity * 2) tableSize *= 2
    this.#heads = new Int32Array(tableSize).fill(-1)
    this.#mask = tableSize - 1
    this.#hashes = new Int32Array(capacity)
    this.#ids = new Int32Array(capacity)
    this.#next = new Int32Array(capacity)
  }

  add(hash: number, id: number): void {
    const entry = this.#count++
    const bucket = mix(hash) & this.#mask
    this.#hashes[entry] = hash
    this.#ids[entry] = id
    this.#next[entry] = this.#heads[bucket]
    this.#heads[bucket] = entry
  }

  collect(hash: number, into: CandidateSet): void {
    for (let entry = this.#heads[mix(hash) & this.#mask]; entry !== -1; entry = this.#next[entry]) {
      if (this.#hashes[entry] === hash) into.add(this.#ids[entry])
    }
  }
}

function characterSet(word: string): number {
  let bits = 0
  for (let i = 0; i < word.length; i++) bits |= 1 << (word.charCodeAt(i) % 32)
  return bits
}

function bitCount(bits: number): number {
  let count = 0
  for (let rest = bits; rest !== 0; rest &= rest - 1) count++
  return count
}

const pieceBoundsByLength: Array<Array<[number, number]>> = []

function pieceBounds(length: number): Array<[number, number]> {
  return (pieceBoundsByLength[length] ??= computePieceBounds(length))
}

function computePieceBounds(length: number): Array<[number, number]> {
  const bounds: Array<[number, number]> = []
  for (let piece = 0; piece < PIECES; piece++) {
    bounds.push([Math.floor(piece * length / PIECES), Math.floor((piece + 1) * length / PIECES)])
  }
  return bounds
}

function pieceHash(length: number, piece: number, sliceHash: number): number {
  return (Math.imul(sliceHash, 0x9e3779b1) ^ Math.imul(length * PIECES + piece + 1, 0x85ebca6b)) | 0
}

/** Spreads the bits of a hash before it picks a bucket (MurmurHash3's finaliser). */
function mix(hash: number): number {
  let h = hash ^ (hash >>> 16)
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  return h ^ (h >>> 16)
}
