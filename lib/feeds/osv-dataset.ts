// Loads a local OSV malware dataset: a directory tree of OSV JSON files (a
// checkout of the OpenSSF malicious-packages repository, whose npm reports sit
// in `osv/malicious/npm/<name>/MAL-….json`) or a zip of them (osv.dev's
// `npm/all.zip`), or a single OSV JSON file. Parsing tens of thousands of files is slow, so the malware
// entries are kept in one compact cache file, reused while the dataset is
// unchanged and rebuilt, not trusted, when it cannot be read back.

import { createHash } from 'node:crypto'
import { mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises'
import { dirname, join, relative, resolve } from 'node:path'
import { IntelError } from './errors.js'
import { MalwareIndex } from './malware-index.js'
import { parseOsvDocument, type OsvEntry } from './osv-document.js'
import { readZipEntries } from './zip-archive.js'

const CACHE_FORMAT = 1
/** Files read or stat'ed at once. */
const CONCURRENCY = 64

export interface OsvDatasetLoad {
  index: MalwareIndex
  /** True when the entries came from the cache file instead of the dataset. */
  fromCache: boolean
  cacheFile: string
}

/** The malware index of the dataset at `datasetPath`, cached in `cacheDir`. */
export async function loadOsvDataset(datasetPath: string, cacheDir: string): Promise<MalwareIndex> {
  return (await loadOsvDatasetWithDetails(datasetPath, cacheDir)).index
}

/** Like loadOsvDataset, also telling whether the cache was used. */
export async function loadOsvDatasetWithDetails(datasetPath: string, cacheDir: string): Promise<OsvDatasetLoad> {
  const dataset = resolve(datasetPath)
  const datasetStat = await stat(dataset)
  const kind = !datasetStat.isFile() ? 'directory' : dataset.endsWith('.json') ? 'document' : 'zip'
  let files: string[] | null = kind === 'document' ? [dataset] : null
  const listFiles = async (): Promise<string[]> => (files ??= await listJsonFiles(dataset))
  const fingerprint = kind === 'zip'
    ? fingerprintOf([{ path: dataset, size: datasetStat.size, mtimeMs: datasetStat.mtimeMs }])
    : await gitCheckoutFingerprint(dataset) ?? fingerprintOf(await statAll(await listFiles()))
  const cacheFile = join(cacheDir, `osv-dataset-${sha256(dataset).slice(0, 16)}.json`)

  const cached = await readCache(cacheFile, dataset, fingerprint)
  if (cached !== null) return { index: new MalwareIndex().add(cached), fromCache: true, cacheFile }

  const entries = kind === 'zip'
    ? await parseZip(dataset)
    : await parseFiles(kind === 'document' ? dirname(dataset) : dataset, await listFiles())
  const malware = entries.filter((entry) => entry.isMalware && entry.withdrawn === null)
  await writeCache(cacheFile, { format: CACHE_FORMAT, dataset, fingerprint, entries: malware })
  return { index: new MalwareIndex().add(malware), fromCache: false, cacheFile }
}

/** Every `*.json` below `directory`, skipping dot-folders (.git, .github); folders are read concurrently. */
async function listJsonFiles(directory: string): Promise<string[]> {
  const files: string[] = []
  const limit = concurrencyLimit(CONCURRENCY)
  const walk = async (folder: string): Promise<void> => {
    const items = await limit(() => readdir(folder, { withFileTypes: true }))
    const folders: string[] = []
    for (const item of items) {
      if (item.name.startsWith('.')) continue
      const path = join(folder, item.name)
      if (item.isDirectory()) folders.push(path)
      else if (item.isFile() && item.name.endsWith('.json')) files.push(path)
    }
    await Promise.all(folders.map(walk))
  }
  await walk(directory)
  return files.sort()
}

/**
 * For a git checkout (the usual way to hold the OpenSSF repository), the
 * checked-out commit and git's index file stand for the whole tree, which
 * spares a stat of every file on every run: a pull, checkout or reset
 * rewrites the index. Files edited by hand without any git command go
 * unnoticed until then. Null when `dataset` is not the top of a checkout.
 */
async function gitCheckoutFingerprint(dataset: string): Promise<string | null> {
  try {
    const gitDir = join(dataset, '.git')
    const head = (await readFile(join(gitDir, 'HEAD'), 'utf8')).trim()
    const reference = /^ref: (.+)$/.exec(head)?.[1]
    const commit = reference === undefined ? head : await resolveGitReference(gitDir, reference)
    const index = await stat(join(gitDir, 'index'))
    return `git ${commit} ${index.size} ${index.mtimeMs}`
  } catch {
    return null
  }
}

async function resolveGitReference(gitDir: string, reference: string): Promise<string> {
  try {
    return (await readFile(join(gitDir, reference), 'utf8')).trim()
  } catch {
    const packed = await readFile(join(gitDir, 'packed-refs'), 'utf8')
    const line = packed.split('\n').find((entry) => entry.endsWith(` ${reference}`))
    if (line === undefined) throw new Error(`unknown git reference ${reference}`)
    return line.split(' ')[0]
  }
}

interface FileStamp { path: string, size: number, mtimeMs: number }

async function statAll(files: string[]): Promise<FileStamp[]> {
  return mapConcurrently(files, async (path) => {
    const { size, mtimeMs } = await stat(path)
    return { path, size, mtimeMs }
  })
}

/** Changes when a file is added, removed, renamed, resized or touched. */
function fingerprintOf(stamps: FileStamp[]): string {
  const hash = createHash('sha256')
  hash.update(`${stamps.length}\n`)
  for (const { path, size, mtimeMs } of stamps) hash.update(`${path}\0${size}\0${mtimeMs}\n`)
  return hash.digest('hex')
}

async function parseFiles(dataset: string, files: string[]): Promise<OsvEntry[]> {
  const perFile = await mapConcurrently(files, async (file) => parseOsvText(await readFile(file, 'utf8'), relative(dataset, file)))
  return perFile.flat()
}

/** `items.map(work)` with at most CONCURRENCY calls in flight, results in order; the first failure rejects. */
async function mapConcurrently<T, R>(items: T[], work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++
      results[index] = await work(items[index])
    }
  }
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, items.length) }, worker))
  return results
}

/** Runs the tasks given to it with at most `max` in flight. */
function concurrencyLimit(max: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0
  const waiting: Array<() => void> = []
  return async (task) => {
    if (active >= max) await new Promise<void>((resolve) => waiting.push(resolve))
    active++
    try {
      return await task()
    } finally {
      active--
      waiting.shift()?.()
    }
  }
}

async function parseZip(dataset: string): Promise<OsvEntry[]> {
  const entries: OsvEntry[] = []
  for (const entry of readZipEntries(await readFile(dataset), dataset)) {
    if (!entry.name.endsWith('.json')) continue
    entries.push(...parseOsvText(entry.read().toString('utf8'), entry.name))
  }
  return entries
}

function parseOsvText(text: string, source: string): OsvEntry[] {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    throw new IntelError('EOSVPARSE', `${source}: not valid JSON: ${(error as Error).message}`, { cause: error })
  }
  return parseOsvDocument(json, source)
}

interface CacheFile {
  format: number
  dataset: string
  fingerprint: string
  /** sha256 of the entries as written: an edited or damaged index is rebuilt, never trusted. */
  entriesSha256?: string
  entries: OsvEntry[]
}

/** Cached entries when the cache file is readable and matches; null otherwise (never an error). */
async function readCache(cacheFile: string, dataset: string, fingerprint: string): Promise<OsvEntry[] | null> {
  let cache: unknown
  try {
    cache = JSON.parse(await readFile(cacheFile, 'utf8'))
  } catch {
    return null
  }
  if (!isCacheFile(cache) || cache.format !== CACHE_FORMAT || cache.dataset !== dataset || cache.fingerprint !== fingerprint) {
    return null
  }
  if (cache.entriesSha256 !== sha256(JSON.stringify(cache.entries))) return null
  return cache.entries
}

function isCacheFile(value: unknown): value is CacheFile {
  if (typeof value !== 'object' || value === null) return false
  const cache = value as Partial<CacheFile>
  return typeof cache.format === 'number' &&
    typeof cache.dataset === 'string' &&
    typeof cache.fingerprint === 'string' &&
    Array.isArray(cache.entries) &&
    cache.entries.every(isCachedEntry)
}

function isCachedEntry(value: unknown): value is OsvEntry {
  if (typeof value !== 'object' || value === null) return false
  const entry = value as Partial<OsvEntry>
  return typeof entry.id === 'string' &&
    typeof entry.name === 'string' &&
    entry.isMalware === true &&
    Array.isArray(entry.aliases) &&
    Array.isArray(entry.versions) && entry.versions.every((version) => typeof version === 'string') &&
    Array.isArray(entry.ranges) && entry.ranges.every((range) => typeof range === 'object' && range !== null && Array.isArray(range.events))
}

/** Written to a temporary file first, so a reader never sees half a cache. */
async function writeCache(cacheFile: string, cache: CacheFile): Promise<void> {
  await mkdir(resolve(cacheFile, '..'), { recursive: true })
  const temporary = `${cacheFile}.${process.pid}.${Date.now()}.tmp`
  await writeFile(temporary, JSON.stringify({ ...cache, entriesSha256: sha256(JSON.stringify(cache.entries)) }))
  await rename(temporary, cacheFile)
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}
