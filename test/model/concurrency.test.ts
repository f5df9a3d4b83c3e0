// The one concurrency helper: results in order, never more than the limit in
// flight, and the first failure stops new work.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { concurrencyLimit, mapConcurrently } from '../../lib/model/concurrency.js'

const concurrency = suite('concurrency')

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

function inFlightCounter(): { run: <T>(work: () => Promise<T>) => Promise<T>; peak: () => number } {
  let active = 0
  let peak = 0
  return {
    async run(work) {
      active++
      peak = Math.max(peak, active)
      try {
        return await work()
      } finally {
        active--
      }
    },
    peak: () => peak,
  }
}

concurrency('mapConcurrently keeps input order and at most `limit` calls in flight', async () => {
  const counter = inFlightCounter()
  const items = Array.from({ length: 20 }, (_, index) => index)
  const results = await mapConcurrently(items, 3, (item) => counter.run(async () => {
    await tick((item * 7) % 5)
    return item * 2
  }))
  assert.equal(results, items.map((item) => item * 2))
  assert.is(counter.peak(), 3)
  assert.equal(await mapConcurrently([], 4, async () => 1), [])
})

concurrency('mapConcurrently rejects with the first failure and starts nothing after it', async () => {
  const started: number[] = []
  try {
    await mapConcurrently([0, 1, 2, 3, 4, 5], 2, async (item) => {
      started.push(item)
      await tick(1)
      if (item === 1) throw new Error('boom')
      return item
    })
    assert.unreachable('resolved')
  } catch (error) {
    assert.is((error as Error).message, 'boom')
  }
  await tick(10)
  assert.ok(started.length <= 3, `started ${started.join(',')}`)
})

concurrency('concurrencyLimit bounds tasks that add more tasks, and runs them all', async () => {
  const counter = inFlightCounter()
  const limit = concurrencyLimit(4)
  let done = 0
  const walk = async (depth: number): Promise<void> => {
    await limit(() => counter.run(() => tick(1)))
    done++
    if (depth < 3) await Promise.all([walk(depth + 1), walk(depth + 1), walk(depth + 1)])
  }
  await walk(0)
  assert.is(done, 1 + 3 + 9 + 27)
  assert.ok(counter.peak() <= 4, `peak ${counter.peak()}`)
  assert.is(counter.peak(), 4)
})

concurrency('concurrencyLimit frees the slot of a failed task', async () => {
  const limit = concurrencyLimit(1)
  await limit(async () => { throw new Error('first') }).catch(() => undefined)
  assert.is(await limit(async () => 'second'), 'second')
})

concurrency.run()
