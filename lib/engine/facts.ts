// Facts are gathered once per package and shared by every rule. Most come
// from the packuments Arborist already fetched while resolving; nodes kept
// from a lockfile carry only a few fields, so their packuments are fetched
// here (from npm's cache first: a version's publish time never changes).
import { describeError } from '../errors.js'
import { mapConcurrently } from '../model/concurrency.js'
import type { PackageFacts, PackageView } from '../model/rule.js'
import type { PackumentSummary, RecordingPackumentCache } from '../npm/packument-facts.js'
import { summariseProblems } from '../npm/registry-data.js'
import type { FactsCache } from './facts-cache.js'
import { FetchLanes } from './fetch-lanes.js'

export interface FactsOptions {
  /** npm's flat options (registry, auth, cache, proxy…). */
  npmOptions: Record<string, any>
  cache: RecordingPackumentCache
  /** Summaries kept on disk between runs. */
  summaries?: FactsCache
  now?: number
  concurrency?: number
  /** Progress: how many of the packages have their facts (or their failure) so far. */
  onProgress?: (done: number, total: number) => void
  /** The threads the packuments are fetched on (fetch-lanes.ts); without them, this call's own, closed when it is done. */
  lanes?: FetchLanes
}

/** Packuments in flight: on two threads 32 kept both busier than 16 on the bench app's cold ci (alternating runs, same hour: 25.7/24.3/29.4/32.2 s against 31.6/26.4/33.3/33.7 s); 48 did not beat 32. */
const CONCURRENCY = 32

function factsFrom(summary: PackumentSummary, view: PackageView): PackageFacts {
  return {
    status: 'known',
    version: summary.byVersion.get(view.version),
    versions: summary.versions,
    distTags: summary.distTags,
  }
}

export async function gatherFacts(views: PackageView[], options: FactsOptions): Promise<Map<string, PackageFacts>> {
  const facts = new Map<string, PackageFacts>()
  const byName = new Map<string, PackageView[]>()
  for (const view of views) {
    // Its lockfile entry or manifest had fields of the wrong type: nothing read from it can be trusted.
    if (view.dataProblems?.length) {
      facts.set(view.location, { status: 'unverifiable', reason: `malformed package data: ${summariseProblems(view.dataProblems)}` })
      continue
    }
    if (view.source !== 'registry') {
      facts.set(view.location, { status: 'not-applicable' })
      continue
    }
    byName.set(view.name, [...(byName.get(view.name) ?? []), view])
  }
  let done = views.length - [...byName.values()].reduce((sum, sameName) => sum + sameName.length, 0)
  // view.name is the package the resolved tarball names (package-view.ts), not
  // what the lockfile claims, so facts are those of the bytes to be installed.
  const fresh = await options.cache.summaries()
  // --offline: summaries of any age and npm's cache answer; nothing is asked (fetch-jobs.ts).
  const isOffline = Boolean(options.npmOptions.offline)
  const now = options.now ?? Date.now()
  const entries = [...byName.entries()]
  // A packument that names another package answers for that one, not for this.
  const isCompleteFor = (name: string, sameName: PackageView[], candidate?: PackumentSummary | null): candidate is PackumentSummary =>
    candidate?.name === name && sameName.every((view) => candidate.byVersion.has(view.version))
  // Arborist's fresh packuments first, then the summaries on disk: local
  // answers, looked up before anything is asked, so the lanes know how many
  // registry jobs come (a run of many starts both threads at its first job).
  const local = await mapConcurrently(entries, options.concurrency ?? CONCURRENCY, async ([name, sameName]) => {
    const summary = fresh.get(name)
    if (isCompleteFor(name, sameName, summary)) return { summary, isFromDisk: false }
    // A summary that cannot be read is a miss: the registry answers instead.
    const stored = await options.summaries?.read(name, now, isOffline).catch(() => null)
    return isCompleteFor(name, sameName, stored) ? { summary: stored, isFromDisk: true } : null
  })
  const lanes = options.lanes ?? new FetchLanes(options.npmOptions)
  const store = options.summaries ? { folder: options.summaries.folder, now } : undefined
  lanes.expect(local.filter((answer) => answer === null).length)
  try {
    await mapConcurrently(entries, options.concurrency ?? CONCURRENCY, async ([name, sameName], index) => {
      // Then npm's cache, then the registry (fetch-jobs.ts).
      let summary: PackumentSummary | null | undefined = local[index]?.summary
      // What the lanes fetch is kept on disk by the thread that fetched it; what came from Arborist is written here.
      let isStored = Boolean(local[index]?.isFromDisk)
      try {
        if (!isCompleteFor(name, sameName, summary)) {
          summary = await lanes.packument(name, false, store)
          isStored = Boolean(store)
        }
        if (!isCompleteFor(name, sameName, summary)) summary = await lanes.packument(name, true, store)
        if (summary.name !== name) throw new Error(`the registry answered for ${name} with the packument of ${summary.name}`)
      } catch (error) {
        for (const view of sameName) facts.set(view.location, { status: 'unverifiable', reason: describeError(error) })
        return
      } finally {
        done += sameName.length
        options.onProgress?.(done, views.length)
      }
      if (summary!.problems.length > 0) {
        // A registry that serves fields of the wrong type is not answering for this package; nothing is stored.
        const reason = `the registry's packument has fields of the wrong type: ${summariseProblems(summary!.problems)}`
        for (const view of sameName) facts.set(view.location, { status: 'unverifiable', reason })
        return
      }
      if (!isStored) await options.summaries?.write(summary!, now)
      for (const view of sameName) {
        if (summary!.byVersion.has(view.version)) facts.set(view.location, factsFrom(summary!, view))
        else facts.set(view.location, { status: 'unverifiable', reason: `the registry does not list version ${view.version}` })
      }
    })
  } finally {
    if (!options.lanes) lanes.close()
  }
  return facts
}
