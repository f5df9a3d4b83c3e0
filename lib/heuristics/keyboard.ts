// Which keys sit next to each other on a QWERTY keyboard: a replaced character
// is a believable typo only when the finger could have slipped onto it.

const ROWS: Array<[keys: string, offset: number]> = [
  ['1234567890-', 0],
  ['qwertyuiop', 0.5],
  ['asdfghjkl', 0.75],
  ['zxcvbnm', 1.25],
]

const POSITION = new Map<string, { row: number, column: number }>()
ROWS.forEach(([keys, offset], row) => {
  ;[...keys].forEach((key, index) => POSITION.set(key, { row, column: index + offset }))
})

export function areKeyboardNeighbours(a: string, b: string): boolean {
  const first = POSITION.get(a.toLowerCase())
  const second = POSITION.get(b.toLowerCase())
  if (first === undefined || second === undefined || a === b) return false
  const rows = Math.abs(first.row - second.row)
  const columns = Math.abs(first.column - second.column)
  return (rows === 0 && columns === 1) || (rows === 1 && columns <= 0.75)
}
