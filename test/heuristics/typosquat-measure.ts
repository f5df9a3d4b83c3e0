// Measures the typosquatting index against real malicious names and widely
// used legitimate ones. Run: npx tsx test/intel/typosquat-measure.ts [--verbose]

import { TyposquatIndex } from '../../lib/heuristics/typosquat-index.js'
import { readNameList } from '../helpers/name-list.js'

const verbose = process.argv.includes('--verbose')
const index = TyposquatIndex.fromPopular()

const malicious = readNameList('malicious-names.txt')
const legitimate = readNameList('legit-names.txt')

const caught = malicious.filter((name) => index.check(name) !== null)
const falsePositives = legitimate.filter((name) => index.check(name) !== null)

const percent = (part: number, whole: number): string => (100 * part / whole).toFixed(2)
console.log(`popular names: ${index.size}`)
console.log(`malicious: flagged ${caught.length} of ${malicious.length} (${percent(caught.length, malicious.length)}%)`)
console.log(`legitimate: flagged ${falsePositives.length} of ${legitimate.length} (false-positive rate ${percent(falsePositives.length, legitimate.length)}%)`)

if (verbose) {
  const describe = (name: string): string => {
    const match = index.check(name)
    return match === null ? `  ${name}: -` : `  ${name} → ${match.imitates} (${match.technique})`
  }
  console.log('\nmalicious:')
  for (const name of malicious) console.log(describe(name))
  console.log('\nfalse positives:')
  for (const name of falsePositives) console.log(describe(name))
}
