// Edit distances for package-name comparison.

// Rows of the distance table, reused across calls (names are short).
let rowBuffers = [new Int32Array(64), new Int32Array(64), new Int32Array(64)]

/**
 * Damerau–Levenshtein distance in its optimal-string-alignment form (an
 * adjacent swap costs 1). Gives up early: any result above `limit` is returned
 * as `limit + 1`. With a small limit only a band of the table around its
 * diagonal is computed (cells further out exceed the limit anyway).
 */
export function damerauLevenshtein(a: string, b: string, limit = Infinity): number {
  if (a === b) return 0
  if (Math.abs(a.length - b.length) > limit) return limit + 1
  if (a.length === 0 || b.length === 0) return Math.min(Math.max(a.length, b.length), limit + 1)

  const width = b.length + 1
  const band = Math.min(limit, Math.max(a.length, b.length))
  const outside = band + 1 + Math.max(a.length, b.length)
  if (rowBuffers[0].length < width + 1) rowBuffers = rowBuffers.map(() => new Int32Array(width * 2 + 1))
  let [beforePrevious, previous, current] = rowBuffers
  for (let j = 0; j < width; j++) previous[j] = j <= band ? j : outside
  previous[width] = outside

  for (let i = 1; i <= a.length; i++) {
    const low = Math.max(1, i - band)
    const high = Math.min(b.length, i + band)
    current[low - 1] = low === 1 ? i : outside
    let rowMinimum = low === 1 ? i : outside
    const charA = a.charCodeAt(i - 1)
    const previousCharA = i > 1 ? a.charCodeAt(i - 2) : -1
    for (let j = low; j <= high; j++) {
      const charB = b.charCodeAt(j - 1)
      let value = previous[j - 1] + (charA === charB ? 0 : 1)
      if (previous[j] + 1 < value) value = previous[j] + 1
      if (current[j - 1] + 1 < value) value = current[j - 1] + 1
      if (j > 1 && charA === b.charCodeAt(j - 2) && previousCharA === charB && beforePrevious[j - 2] + 1 < value) {
        value = beforePrevious[j - 2] + 1
      }
      current[j] = value
      if (value < rowMinimum) rowMinimum = value
    }
    if (high < b.length) current[high + 1] = outside
    if (rowMinimum > limit) return limit + 1
    const recycled = beforePrevious
    beforePrevious = previous
    previous = current
    current = recycled
  }
  const distance = previous[width - 1]
  return distance > limit ? limit + 1 : distance
}

export type SingleEditKind = 'omitted-character' | 'doubled-character' | 'swapped-characters' | 'inserted-character' | 'replaced-character'

export interface SingleEdit {
  kind: SingleEditKind
  /** The characters involved: the one omitted, doubled, inserted, or `from`→`to`. */
  characters: string
  /** Where the difference starts (the same index in both strings). */
  at: number
}

/**
 * Describes how `typed` differs from `intended` when they are one edit apart,
 * or returns null when they are not.
 */
export function describeSingleEdit(typed: string, intended: string): SingleEdit | null {
  let start = 0
  while (start < typed.length && start < intended.length && typed[start] === intended[start]) start++
  let typedEnd = typed.length
  let intendedEnd = intended.length
  while (typedEnd > start && intendedEnd > start && typed[typedEnd - 1] === intended[intendedEnd - 1]) {
    typedEnd--
    intendedEnd--
  }
  const typedPart = typed.slice(start, typedEnd)
  const intendedPart = intended.slice(start, intendedEnd)

  if (typedPart.length === 0 && intendedPart.length === 1) {
    return { kind: 'omitted-character', characters: intendedPart, at: start }
  }
  if (typedPart.length === 1 && intendedPart.length === 0) {
    // With a run of equal letters the trimming above may stop on either side of the run.
    const isDoubled = typed[start - 1] === typedPart || typed[start + 1] === typedPart
    return { kind: isDoubled ? 'doubled-character' : 'inserted-character', characters: typedPart, at: start }
  }
  if (typedPart.length === 1 && intendedPart.length === 1) {
    return { kind: 'replaced-character', characters: `${intendedPart}→${typedPart}`, at: start }
  }
  if (typedPart.length === 2 && intendedPart.length === 2 &&
      typedPart[0] === intendedPart[1] && typedPart[1] === intendedPart[0]) {
    return { kind: 'swapped-characters', characters: intendedPart, at: start }
  }
  return null
}
