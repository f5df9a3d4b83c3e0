// Where the keys of a JSON document sit: the line and column of every object
// key down to a given depth, read from the text itself (JSON.parse keeps no
// positions). For SARIF regions: `dependencies` → `left-pad` in package.json,
// `packages` → `node_modules/a` in package-lock.json. A text that is not JSON
// yields what was read before the problem: positions are a convenience, never
// a reason to fail a report.

export interface KeyPosition {
  /** 1-based, as SARIF counts. */
  line: number
  /** 1-based, in UTF-16 code units (SARIF's default column kind), at the key's opening quote. */
  column: number
}

/** Key path (the keys from the top, joined by NUL) → where the last key is written. */
export type KeyPositions = Map<string, KeyPosition>

export const keyPath = (...keys: string[]): string => keys.join('\u0000')

/** Positions of the keys of objects nested at most `maxDepth` deep (1: the top-level keys). */
export function jsonKeyPositions(text: string, maxDepth = 2): KeyPositions {
  const positions: KeyPositions = new Map()
  // One frame per open container: an object's current key, or null for an array.
  const stack: Array<{ isObject: boolean; key: string | null; expectsKey: boolean }> = []
  let line = 1
  let lineStart = 0
  let index = text.charCodeAt(0) === 0xfeff ? 1 : 0
  while (index < text.length) {
    const char = text[index]
    if (char === '\n') {
      line++
      lineStart = index + 1
      index++
      continue
    }
    if (char === '"') {
      const end = stringEnd(text, index)
      if (end === -1) return positions
      const frame = stack.at(-1)
      if (frame?.isObject && frame.expectsKey) {
        let key: string
        try {
          key = JSON.parse(text.slice(index, end + 1)) as string
        } catch {
          return positions
        }
        frame.key = key
        frame.expectsKey = false
        if (stack.length <= maxDepth) {
          const path = keyPath(...stack.map((open) => open.key ?? ''))
          if (!positions.has(path)) positions.set(path, { line, column: index - lineStart + 1 })
        }
      }
      index = end + 1
      continue
    }
    if (char === '{' || char === '[') stack.push({ isObject: char === '{', key: null, expectsKey: char === '{' })
    else if (char === '}' || char === ']') stack.pop()
    else if (char === ',') {
      const frame = stack.at(-1)
      if (frame?.isObject) frame.expectsKey = true
    }
    index++
  }
  return positions
}

/** The index of the quote that closes the string opened at `start`; -1 when it never closes on its line. */
function stringEnd(text: string, start: number): number {
  for (let index = start + 1; index < text.length; index++) {
    const char = text[index]
    if (char === '\\') index++
    else if (char === '"') return index
    else if (char === '\n') return -1
  }
  return -1
}
