// Reads the one-name-a-line fixture lists of test/fixtures/intel/.

import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

export function readNameList(fileName: string): string[] {
  const path = fileURLToPath(new URL(`../fixtures/intel/${fileName}`, import.meta.url))
  return readFileSync(path, 'utf8')
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter((line) => line !== '')
}
