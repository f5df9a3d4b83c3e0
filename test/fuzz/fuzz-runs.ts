// How many cases each property runs: a few hundred inside `npm test`, more
// with `npm run fuzz` (FUZZ_RUNS=<cases per property>). FUZZ_SEED replays a run.
// Inside `npm test` the seed is fixed, so CI judges the same cases every time
// (a case found by `npm run fuzz`, whose seed is random, becomes a fix and a test).
import fc from 'fast-check'

const NPM_TEST_SEED = 20261201

export function fuzzOptions(defaultRuns: number): fc.Parameters<unknown> {
  const runs = Number(process.env.FUZZ_RUNS)
  const seed = Number(process.env.FUZZ_SEED)
  return {
    numRuns: Number.isInteger(runs) && runs > 0 ? runs : defaultRuns,
    ...(Number.isInteger(seed) ? { seed } : Number.isInteger(runs) && runs > 0 ? {} : { seed: NPM_TEST_SEED }),
  }
}

/** Values of every JSON type, weighted towards the awkward ones: objects where strings belong, huge numbers, keys like __proto__. */
export const junk: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(null, true, false, 0, -1, 1e21, Number.MAX_SAFE_INTEGER, '', ' ', '__proto__'),
  fc.constant({ toString: 1 }),
  fc.constant({ valueOf: 'x', toString: 'y' }),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.constantFrom('__proto__', 'constructor', 'name', 'toString', 'a'), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }),
)

/** `good` most of the time, anything at all otherwise. */
export function mostly<T>(good: fc.Arbitrary<T>): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 4, arbitrary: good }, { weight: 1, arbitrary: junk })
}

/** A JSON round trip: what a parser hands over (own __proto__ keys and all). */
export function asParsedJson(value: unknown): unknown {
  const text = JSON.stringify(value)
  return text === undefined ? undefined : JSON.parse(text)
}
