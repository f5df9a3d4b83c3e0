// The registry jobs fetch-lanes.ts runs on either thread (the main one or the
// fetch worker, fetch-worker.ts): one package's packument, fetched and
// summarised, one tarball's package.json (npm/tarball-manifest.ts), or, on
// the worker, one of reify's registry tarballs unpacked (npm/shared-unpacking.ts).
//
// npm's cache is read first (a version's publish facts never change), but a
// packument fetched from the registry is not written to it: the summary on
// disk (facts-cache.ts) is what later runs read, and storing the full JSON in
// cacache (hashing, index entries, 121 MiB for the bench app) was half the CPU
// of fetching it. npm's own installs keep caching what they fetch. With
// --offline only npm's cache is read (ENOTCACHED: the package is unverifiable).
// Whether npm's cache holds a packument is looked up in its index first: on a
// cold machine asking the whole fetch stack for each of a thousand packuments,
// only to be told ENOTCACHED, cost about a second of CPU.
import type { TarballFact } from '../model/rule.js'
import { summarisePackument, type PackumentSummary } from '../npm/packument-facts.js'
import { readTarballManifest, type TarballTarget } from '../npm/tarball-manifest.js'
import { requireCommonJs } from '../model/commonjs.js'
import { fetchOptionsOf } from '../npm/fetch-options.js'
import { FactsCache } from './facts-cache.js'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { format } from 'node:url'

const pacote: typeof import('pacote') = requireCommonJs('pacote')
const cacache: typeof import('cacache') = requireCommonJs('cacache')
const npa: typeof import('npm-package-arg') = requireCommonJs('npm-package-arg')
const registryFetch: typeof import('npm-registry-fetch') = requireCommonJs('npm-registry-fetch')
/** The index folder of npm's cache, by cacache's own layout version. */
const CACHE_INDEX_FOLDER = `index-v${requireCommonJs('cacache/package.json')['cache-version'].index}`

/** Where a fetched packument's summary is kept (facts-cache.ts), written by the thread that fetched it. */
export interface SummaryStore {
  folder: string
  now: number
}

/** Reify's call of pacote.extract: the spec, the folder, and the options where they differ from npm's (plain values only). */
export interface UnpackJob {
  kind: 'unpack'
  spec: string
  dest: string
  options: Record<string, unknown>
}

export type FetchJob = { kind: 'packument'; name: string; preferOnline: boolean; store?: SummaryStore } | { kind: 'tarball'; target: TarballTarget } | UnpackJob

export type JobResult = PackumentSummary | TarballFact | null

/**
 * The job's work: the same on either thread; `isBulk` once the run has many
 * jobs (see fetchOptionsOf). An unpack job runs here only on the worker: on
 * the main thread reify's own call stands in for it (fetch-lanes.ts), since
 * pacote.extract is reify's there while it runs.
 */
export async function runJob(job: FetchJob, npmOptions: Record<string, any>, isBulk = true): Promise<JobResult> {
  const options = fetchOptionsOf(npmOptions, isBulk)
  if (job.kind === 'packument') return fetchAndStore(job.name, options, job.preferOnline, job.store)
  if (job.kind === 'tarball') return readTarballManifest(job.target, options)
  await pacote.extract(job.spec, job.dest, { ...options, ...job.options })
  return null
}

/**
 * The summary, also written to safe-npm's facts cache when `store` says where:
 * on the thread that fetched it, which spares the main thread (the busier one
 * in a cold run) a thousand serialisations and writes. Only a summary the
 * facts pass would accept is kept (this package's, without wrong-typed fields).
 */
async function fetchAndStore(name: string, options: Record<string, any>, preferOnline: boolean, store: SummaryStore | undefined): Promise<PackumentSummary> {
  const summary = await fetchPackumentSummary(name, options, preferOnline)
  if (store && summary.name === name && summary.problems.length === 0) await new FactsCache(store.folder, 0).write(summary, store.now)
  return summary
}

export async function fetchPackumentSummary(name: string, npmOptions: Record<string, any>, preferOnline: boolean): Promise<PackumentSummary> {
  const options = { ...npmOptions, fullMetadata: true, packumentCache: undefined }
  if (npmOptions.offline || (!preferOnline && (await mayBeCached(name, npmOptions)))) {
    try {
      return await summarisePackument(await pacote.packument(name, { ...options, offline: true, preferOnline: false }))
    } catch (error: any) {
      // Not in npm's cache (or unreadable there): the registry's answer decides, unless --offline.
      if (error?.code !== 'ENOTCACHED' || npmOptions.offline) throw error
    }
  }
  // No cache folder: make-fetch-happen neither reads nor stores.
  return await summarisePackument(await pacote.packument(name, { ...options, cache: undefined, offline: false, preferOffline: false, preferOnline }))
}

/**
 * Whether npm's cache has an entry for this package's packument, by the key
 * make-fetch-happen stores it under (its URL, as pacote builds it). A wrong
 * answer costs only time: "no" fetches from the registry, "yes" asks the cache.
 */
async function mayBeCached(name: string, npmOptions: Record<string, any>): Promise<boolean> {
  if (typeof npmOptions.cache !== 'string') return false
  // An empty cache (a cold machine, a fresh CI runner) has no index: a thousand failed lookups (each an error
  // with its stack) cost about 0.16 s of the main thread's CPU in the bench app's cold ci.
  if (!existsSync(path.join(npmOptions.cache, CACHE_INDEX_FOLDER))) return false
  try {
    const spec = npa(name)
    const url = `${registryFetch.pickRegistry(spec, npmOptions).replace(/\/+$/, '')}/${spec.escapedName}`
    const key = `make-fetch-happen:request-cache:${format(new URL(url), { auth: false, fragment: false, search: true, unicode: false })}`
    return (await cacache.index.find(npmOptions.cache, key)) != null
  } catch {
    return true
  }
}
