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
  const counted = (work: (entry: [string, PackageView[]]) => Promise<void>) => async (entry: [string, PackageView[]]) => {
    try {
      await work(entry)
    } finally {
      done += entry[1].length
      options.onProgress?.(done, views.length)
    }
  }
  // view.name is the package the resolved tarball names (package-view.ts), not
  // what the lockfile claims, so facts are those of the bytes to be installed.
  const fresh = await options.cache.summaries()
  // --offline: summaries of any age and npm's cache answer; nothing is asked (fetch-jobs.ts).
  const isOffline = Boolean(options.npmOptions.offline)
  const lanes = options.lanes ?? new FetchLanes(options.npmOptions)
  try {
    await mapConcurrently([...byName.entries()], options.concurrency ?? 16, counted(async ([name, sameName]) => {
      const now = options.now ?? Date.now()
      // A packument that names another package answers for that one, not for this.
      const isComplete = (candidate?: PackumentSummary | null): candidate is PackumentSummary =>
        candidate?.name === name && sameName.every((view) => candidate.byVersion.has(view.version))
      // Arborist's fresh packuments first, then the summaries on disk, then npm's cache, then the registry.
      let summary: PackumentSummary | null | undefined = fresh.get(name)
      let isFromDisk = false
      try {
        if (!isComplete(summary)) {
          const stored = await options.summaries?.read(name, now, isOffline)
          if (isComplete(stored)) {
            summary = stored
            isFromDisk = true
          }
        }
        if (!isComplete(summary)) summary = await lanes.packument(name, false)
        if (!isComplete(summary)) summary = await lanes.packument(name, true)
        if (summary.name !== name) throw new Error(`the registry answered for ${name} with the packument of ${summary.name}`)
      } catch (error) {
        for (const view of sameName) facts.set(view.location, { status: 'unverifiable', reason: describeError(error) })
        return
      }
      if (summary!.problems.length > 0) {
        // A registry that serves fields of the wrong type is not answering for this package; nothing is stored.
        const reason = `the registry's packument has fields of the wrong type: ${summariseProblems(summary!.problems)}`
        for (const view of sameName) facts.set(view.location, { status: 'unverifiable', reason })
        return
      }
      if (!isFromDisk) await options.summaries?.write(summary!, now)
      for (const view of sameName) {
        if (summary!.byVersion.has(view.version)) facts.set(view.location, factsFrom(summary!, view))
        else facts.set(view.location, { status: 'unverifiable', reason: `the registry does not list version ${view.version}` })
      }
    }))
  } finally {
    if (!options.lanes) lanes.close()
  }
  return facts
}
