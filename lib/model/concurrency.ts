// Running async work with a bound on how much is in flight at once: the one
// helper for every pool in safe-npm (packument fetches, dataset file reads).

/**
 * `items.map(work)` with at most `limit` calls in flight, results in input
 * order. The first failure rejects, and no item starts after it.
 */
export async function mapConcurrently<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length)
  let next = 0
  let hasFailed = false
  const worker = async (): Promise<void> => {
    while (next < items.length && !hasFailed) {
      const index = next++
      try {
        results[index] = await work(items[index], index)
      } catch (error) {
        hasFailed = true
        throw error
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker))
  return results
}

/**
 * A gate for work that is not known up front (a folder walk that finds more
 * folders): the tasks given to it run with at most `limit` in flight, the
 * others wait in the order they came.
 */
export function concurrencyLimit(limit: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0
  const waiting: Array<() => void> = []
  return async (task) => {
    // A finishing task hands its slot straight to the next waiter, so a
    // newcomer cannot slip in between and exceed the limit.
    if (active < Math.max(1, limit)) active++
    else await new Promise<void>((resolve) => waiting.push(resolve))
    try {
      return await task()
    } finally {
      const wake = waiting.shift()
      if (wake) wake()
      else active--
    }
  }
}
