// Loads a local OSV malware dataset: a directory tree of OSV JSON files (a
// checkout of the OpenSSF malicious-packages repository, whose npm reports sit
// in `osv/malicious/npm/<name>/MAL-….json`) or a zip of them (osv.dev's
// `npm/all.zip`), or a single OSV JSON file. Parsing tens of thousands of files is slow, so the malware
// entries are kept in one compact cache file, reused while the dataset is
// unchanged and rebuilt, not trusted, when it cannot be read back.

import { createHash } from 'node:crypto'
import { mkdir, readdir, readFile, stat } from 'node:fs/promises'
import { dirname, join, relative, resolve } from 'node:path'
import { crc32 } from 'node:zlib'
import type yauzl from 'yauzl'
import { concurrencyLimit, mapConcurrently } from '../model/concurrency.js'
import { IntelError } from './errors.js'
import { MalwareIndex } from './malware-index.js'
import { parseOsvDocument, type OsvEntry } from './osv-document.js'
import { requireCommonJs } from '../model/commonjs.js'

const writeFileAtomic: typeof import('write-file-atomic') = requireCommonJs('write-file-atomic')

const CACHE_FORMAT = 1
/** Files read or stat'ed at once. */
const CONCURRENCY = 64
/**
 * Bounds on an archive, which is untrusted input: osv.dev's npm export holds a
 * few hundred thousand documents of a few KiB each, so these are far above
 * any real dataset and only stop a zip bomb from exhausting memory.
 */
const MAX_ZIP_ENTRIES = 5_000_000
const MAX_ZIP_ENTRY_BYTES = 64 * 1024 * 1024

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
  return mapConcurrently(files, CONCURRENCY, async (path) => {
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
  const perFile = await mapConcurrently(files, CONCURRENCY, async (file) => parseOsvText(await readFile(file, 'utf8'), relative(dataset, file)))
  return perFile.flat()
}

async function parseZip(dataset: string): Promise<OsvEntry[]> {
  const entries: OsvEntry[] = []
  await readZipFiles(dataset, (name, bytes) => {
    if (name.endsWith('.json')) entries.push(...parseOsvText(bytes.toString('utf8'), name))
  })
  return entries
}

/**
 * Calls `each` with the name and bytes of every file entry (not folders) of
 * the archive, one entry at a time. yauzl refuses absolute and `..` names,
 * encrypted entries, unknown compression methods and entries whose bytes do
 * not match their recorded size; it does not check CRC-32, so that is done
 * here. A damaged archive rejects with EOSVZIP; an error thrown by `each`
 * rejects as it is.
 */
async function readZipFiles(file: string, each: (name: string, bytes: Buffer) => void): Promise<void> {
  // Loaded only for a zip dataset: most runs read none, and yauzl costs about 40 ms to load.
  const { default: zipReader } = await import('yauzl')
  const unreadable = (reason: string, cause?: unknown): IntelError =>
    new IntelError('EOSVZIP', `${file}: not a readable zip archive: ${reason}`, cause === undefined ? undefined : { cause })
  return new Promise((resolve, reject) => {
    zipReader.open(file, { lazyEntries: true, autoClose: false, decodeStrings: true, validateEntrySizes: true }, (error, zip) => {
      if (error) return reject(unreadable(error.message, error))
      let isSettled = false
      const finish = (failure?: unknown): void => {
        if (isSettled) return
        isSettled = true
        zip.close()
        if (failure === undefined) resolve()
        else reject(failure)
      }
      zip.on('error', (zipError: Error) => finish(unreadable(zipError.message, zipError)))
      zip.on('end', () => finish())
      zip.on('entry', (entry: yauzl.Entry) => {
        const name = entry.fileName
        if (name.endsWith('/')) return zip.readEntry()
        if (entry.uncompressedSize > MAX_ZIP_ENTRY_BYTES) {
          return finish(unreadable(`${name} is larger than ${MAX_ZIP_ENTRY_BYTES} bytes`))
        }
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError) return finish(unreadable(`${name}: ${streamError.message}`, streamError))
          const chunks: Buffer[] = []
          stream.on('data', (chunk: Buffer) => chunks.push(chunk))
          stream.on('error', (readError: Error) => finish(unreadable(`${name}: ${readError.message}`, readError)))
          stream.on('end', () => {
            const bytes = Buffer.concat(chunks)
            if (crc32(bytes) !== entry.crc32) return finish(unreadable(`${name}: checksum mismatch`))
            try {
              each(name, bytes)
            } catch (failure) {
              return finish(failure)
            }
            if (!isSettled) zip.readEntry()
          })
        })
      })
      if (zip.entryCount > MAX_ZIP_ENTRIES) return finish(unreadable(`more than ${MAX_ZIP_ENTRIES} entries`))
      zip.readEntry()
    })
  })
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

/** Written atomically (a temporary file renamed into place), so a reader never sees half a cache. */
async function writeCache(cacheFile: string, cache: CacheFile): Promise<void> {
  await mkdir(resolve(cacheFile, '..'), { recursive: true })
  await writeFileAtomic(cacheFile, JSON.stringify({ ...cache, entriesSha256: sha256(JSON.stringify(cache.entries)) }))
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}
