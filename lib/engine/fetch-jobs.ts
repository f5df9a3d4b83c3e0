// The registry jobs fetch-lanes.ts runs on either thread (the main one or the
// fetch worker, fetch-worker.ts): one package's packument, fetched and
// summarised, or one tarball's package.json (npm/tarball-manifest.ts).
//
// npm's cache is read first (a version's publish facts never change), but a
// packument fetched from the registry is not written to it: the summary on
// disk (facts-cache.ts) is what later runs read, and storing the full JSON in
// cacache (hashing, index entries, 121 MiB for the bench app) was half the CPU
// of fetching it. npm's own installs keep caching what they fetch. With
// --offline only npm's cache is read (ENOTCACHED: the package is unverifiable).
import type { TarballFact } from '../model/rule.js'
import { summarisePackument, type PackumentSummary } from '../npm/packument-facts.js'
import { readTarballManifest, type TarballTarget } from '../npm/tarball-manifest.js'
import { requireCommonJs } from '../model/commonjs.js'

const pacote: typeof import('pacote') = requireCommonJs('pacote')

export type FetchJob = { kind: 'packument'; name: string; preferOnline: boolean } | { kind: 'tarball'; target: TarballTarget }

/** The job's work: the same on either thread. */
export function runJob(job: FetchJob, npmOptions: Record<string, any>): Promise<PackumentSummary | TarballFact> {
  return job.kind === 'packument' ? fetchPackumentSummary(job.name, npmOptions, job.preferOnline) : readTarballManifest(job.target, npmOptions)
}

export async function fetchPackumentSummary(name: string, npmOptions: Record<string, any>, preferOnline: boolean): Promise<PackumentSummary> {
  const options = { ...npmOptions, fullMetadata: true, packumentCache: undefined }
  if (!preferOnline || npmOptions.offline) {
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
