// The tarball's own package.json, read before anything is written: the
// registry does not check that a packument's manifest matches the tarball it
// points at, and npm acts on what the tarball says once it is unpacked
// ("manifest confusion"). The tarball is streamed through pacote with the
// node's resolved URL and integrity (so these are the bytes reify unpacks, and
// reify then finds them in npm's cache) and through a tar parser that keeps
// only package.json and notes a binding.gyp; nothing is extracted and no
// tarball is held in memory.
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import type { ReadEntry } from 'tar'
import { describeError } from '../errors.js'
import { judgeInstallScripts, SCRIPT_CONTENT_ANALYSIS_VERSION, tarballInstallScriptsOf, type ScriptFileAnswer } from '../heuristics/script-content.js'
import { mapConcurrently } from '../model/concurrency.js'
import { safeNpmCacheDir } from './npm-config.js'
import { writeCacheFile } from '../model/cache-file.js'
import type { DeclaredManifest, TarballFact, TarballManifest } from '../model/rule.js'
import { requireCommonJs } from '../model/commonjs.js'

const Diff: typeof import('@npmcli/arborist/lib/diff.js') = requireCommonJs('@npmcli/arborist/lib/diff.js')
const pacote: typeof import('pacote') = requireCommonJs('pacote')
const semver: typeof import('semver') = requireCommonJs('semver')

/** One package the install is about to write, and what it was resolved with. */
export interface TarballTarget {
  location: string
  /** The package's own name (not an alias). */
  name: string
  version: string
  resolved: string | null
  integrity: string | null
  declared: DeclaredManifest
}

/** An install script's file larger than this is not read (Shai-Hulud's bundle.js was 3.6 MB). */
const MAX_SCRIPT_FILE_BYTES = 4 * 1024 * 1024
/** What is read of one package's script files altogether. */
const MAX_SCRIPT_TOTAL_BYTES = 16 * 1024 * 1024
/** A package.json larger than this is not read (npm's own manifests are a few KiB). */
const MAX_MANIFEST_BYTES = 8 * 1024 * 1024
/** Paths kept while looking for a `directories.bin` folder's files. */
const MAX_LISTED_PATHS = 50_000
const FILE_TYPES = new Set(['File', 'OldFile', 'ContiguousFile'])
/** What tar's Unpack (npm's extraction) treats as fatal, where a plain Parser only warns: a truncated or unrecognised archive. */
const FATAL_TAR_WARNINGS = new Set(['TAR_BAD_ARCHIVE', 'TAR_ABORT'])

function stringMap(value: unknown): Record<string, string> {
  const map: Record<string, string> = {}
  if (!value || typeof value !== 'object' || Array.isArray(value)) return map
  for (const [key, entry] of Object.entries(value)) if (typeof entry === 'string') map[key] = entry.trim()
  return map
}

/** npm's bin normalisation (npm-normalize-package-bin): command names are base names, targets relative paths. */
export function normaliseBin(name: string | null, bin: unknown): Record<string, string> {
  let entries: Record<string, unknown> = {}
  if (typeof bin === 'string') entries = { [name?.replace(/^@[^/]+\//, '') ?? '']: bin }
  else if (Array.isArray(bin)) entries = Object.fromEntries(bin.filter((target) => typeof target === 'string').map((target) => [path.posix.basename(target), target]))
  else if (bin && typeof bin === 'object') entries = bin as Record<string, unknown>
  const clean: Record<string, string> = {}
  for (const [key, target] of Object.entries(entries)) {
    const command = path.posix.join('/', path.posix.basename(key.replace(/\\|:/g, '/'))).slice(1)
    if (typeof target !== 'string' || !command) continue
    const file = path.posix.join('/', target.replace(/\\/g, '/')).slice(1)
    if (file) clean[command] = file
  }
  return clean
}

/** The comparable fields of a manifest as Arborist holds it for a node. */
export function declaredManifestOf(manifest: any): DeclaredManifest {
  return {
    scripts: stringMap(manifest?.scripts),
    hasScriptList: Boolean(manifest?.scripts && typeof manifest.scripts === 'object'),
    dependencies: stringMap(manifest?.dependencies),
    optionalDependencies: stringMap(manifest?.optionalDependencies),
    peerDependencies: stringMap(manifest?.peerDependencies),
    bin: normaliseBin(typeof manifest?.name === 'string' ? manifest.name : null, manifest?.bin),
  }
}

/** The package.json text and the file list of one tarball → the fields npm acts on. */
export function tarballManifestFrom(text: string, files: string[]): TarballManifest {
  const raw = JSON.parse(text)
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Error('package.json is not an object')
  const name = typeof raw.name === 'string' ? raw.name.trim() : null
  let bin = normaliseBin(name, raw.bin)
  const binDir = typeof raw.directories?.bin === 'string' ? path.posix.join('/', raw.directories.bin).slice(1) : null
  if (raw.bin === undefined && binDir) {
    // npm links every (non-dot) file under directories.bin when there is no bin.
    const inDir = files.filter((file) => file.startsWith(`${binDir}/`) && !file.split('/').some((part) => part.startsWith('.')))
    bin = normaliseBin(name, Object.fromEntries(inDir.map((file) => [path.posix.basename(file), file])))
  }
  return {
    name,
    version: typeof raw.version === 'string' ? semver.clean(raw.version, { loose: true }) ?? raw.version.trim() : null,
    scripts: stringMap(raw.scripts),
    dependencies: stringMap(raw.dependencies),
    optionalDependencies: stringMap(raw.optionalDependencies),
    peerDependencies: stringMap(raw.peerDependencies),
    bin,
    gypfile: typeof raw.gypfile === 'boolean' ? raw.gypfile : null,
    hasBindingGyp: files.includes('binding.gyp'),
  }
}

// tar's CommonJS build, the one pacote extracts with and Arborist has loaded already (its ESM build would be a second copy).
const { Parser }: typeof import('tar') = requireCommonJs('tar')

/** An entry's path once npm unpacks it (pacote strips the first folder). */
function unpackedPath(entry: ReadEntry): string {
  return entry.path.replace(/\\/g, '/').split('/').slice(1).join('/')
}

/**
 * Reads a tarball stream entry by entry: `onFile` sees each file entry (with
 * its path as unpacked) and must consume or resume it; `finish` gives the
 * answer once the whole tar was read. A tar cut short inside a complete gzip
 * fails here too, not only while reify unpacks it.
 */
function readTar<T>(stream: any, onFile: (file: string, entry: ReadEntry) => void, finish: () => T): Promise<T> {
  return new Promise((resolve, reject) => {
    let settled = false
    const fail = (error: unknown) => {
      if (settled) return
      settled = true
      reject(error)
    }
    const parser = new Parser({
      onwarn(code: string, message: string) {
        if (FATAL_TAR_WARNINGS.has(code)) fail(Object.assign(new Error(message), { code }))
      },
      onReadEntry(entry: ReadEntry) {
        if (!FILE_TYPES.has(entry.type)) return entry.resume()
        onFile(unpackedPath(entry), entry)
      },
    })
    stream.on('error', fail)
    parser.on('error', fail)
    parser.on('end', () => {
      if (settled) return
      settled = true
      try {
        resolve(finish())
      } catch (error) {
        reject(error)
      }
    })
    stream.pipe(parser)
  })
}

/** An entry's whole text, handed over when it ends. */
function readText(entry: ReadEntry, done: (text: string) => void): void {
  const chunks: Buffer[] = []
  entry.on('data', (chunk: Buffer) => chunks.push(chunk))
  entry.on('end', () => done(Buffer.concat(chunks).toString('utf8')))
}

/** Reads every entry header; keeps the last top-level package.json (a later entry overwrites an earlier one on unpack). */
function parseTarball(stream: any): Promise<{ manifest: TarballManifest; files: string[] }> {
  let manifestText: string | null = null
  let tooLarge = false
  const files: string[] = []
  return readTar(
    stream,
    (file, entry) => {
      if (files.length < MAX_LISTED_PATHS) files.push(file)
      if (file !== 'package.json') return entry.resume()
      if (entry.size > MAX_MANIFEST_BYTES) {
        tooLarge = true
        return entry.resume()
      }
      readText(entry, (text) => {
        manifestText = text
      })
    },
    () => {
      if (tooLarge) throw new Error(`package.json is larger than ${MAX_MANIFEST_BYTES} bytes`)
      if (manifestText === null) throw new Error('the tarball has no package.json')
      return { manifest: tarballManifestFrom(manifestText, files), files }
    },
  )
}

/**
 * The text of these files of a tarball (the last entry of a path wins, as on
 * unpack), each at most MAX_SCRIPT_FILE_BYTES and all together at most
 * MAX_SCRIPT_TOTAL_BYTES; a file over the bounds is answered as unread.
 */
function collectFiles(stream: any, wanted: Set<string>): Promise<Map<string, ScriptFileAnswer>> {
  const answers = new Map<string, ScriptFileAnswer>()
  let total = 0
  return readTar(
    stream,
    (file, entry) => {
      if (!wanted.has(file)) return entry.resume()
      if (entry.size > MAX_SCRIPT_FILE_BYTES || total + entry.size > MAX_SCRIPT_TOTAL_BYTES) {
        answers.set(file, { unread: `${entry.size} bytes, over the ${entry.size > MAX_SCRIPT_FILE_BYTES ? MAX_SCRIPT_FILE_BYTES : MAX_SCRIPT_TOTAL_BYTES}-byte bound of what is read` })
        return entry.resume()
      }
      total += entry.size
      readText(entry, (text) => answers.set(file, { text }))
    },
    () => answers,
  )
}

/** The tarball's package.json of one node, by its resolved URL and integrity; with install scripts, what their files show. */
export async function readTarballManifest(target: TarballTarget, npmOptions: Record<string, any>): Promise<TarballFact> {
  const spec = target.resolved ? `${target.name}@${target.resolved}` : `${target.name}@${target.version}`
  const options = {
    ...npmOptions,
    resolved: target.resolved ?? undefined,
    integrity: target.integrity ?? undefined,
    // Only registry packages are read; as for reify, their tarball URL is not a remote spec of the user's.
    allowRemote: 'all',
  }
  try {
    const { manifest, files } = await pacote.tarball.stream(spec, parseTarball, options)
    const commands = tarballInstallScriptsOf(manifest)
    if (Object.keys(commands).length > 0) {
      // The same bytes again (now from npm's cache), for the files the scripts run; nothing is executed.
      manifest.scriptContent = await judgeInstallScripts(commands, files, (paths) => pacote.tarball.stream(spec, (stream: any) => collectFiles(stream, new Set(paths)), options))
    }
    return { state: 'read', manifest, declared: target.declared }
  } catch (error) {
    return { state: 'unreadable', reason: describeError(error) }
  }
}

/** 2: the summary carries the install scripts' content verdict. */
const CACHE_FORMAT = 2

/**
 * What a tarball's package.json declared (and what its install scripts' text
 * shows), kept beside npm's cache under the
 * tarball's integrity: npm's cache serves the same bytes by that integrity, so
 * a summary read once holds for every later install of them (and reify still
 * checks the bytes it unpacks). Only strong digests are keys; sha1 is not.
 */
class TarballManifestCache {
  readonly #dir: string
  constructor(npmOptions: Record<string, any>) {
    this.#dir = path.join(safeNpmCacheDir(npmOptions), 'tarballs')
  }

  #file(integrity: string | null): string | null {
    const strong = (integrity ?? '').split(/\s+/).filter((entry) => /^sha(256|384|512)-[A-Za-z0-9+/=]+$/.test(entry)).sort()
    if (strong.length === 0) return null
    return path.join(this.#dir, `${createHash('sha256').update(strong.join(' ')).digest('hex')}.json`)
  }

  async read(integrity: string | null): Promise<TarballManifest | null> {
    const file = this.#file(integrity)
    if (!file) return null
    try {
      const stored = JSON.parse(await readFile(file, 'utf8'))
      if (!stored || stored.format !== CACHE_FORMAT || !stored.manifest || typeof stored.manifest !== 'object') return null
      const manifest = stored.manifest as TarballManifest
      // A summary whose script verdict came from other heuristics is read again.
      if (Object.keys(tarballInstallScriptsOf(manifest)).length > 0 && manifest.scriptContent?.analysis !== SCRIPT_CONTENT_ANALYSIS_VERSION) return null
      return manifest
    } catch {
      return null
    }
  }

  async write(integrity: string | null, manifest: TarballManifest): Promise<void> {
    const file = this.#file(integrity)
    if (!file) return
    try {
      await writeCacheFile(file, JSON.stringify({ format: CACHE_FORMAT, manifest }))
    } catch {
      // a cache that cannot be written only means the tarball is read again next time
    }
  }
}

/** Where tarballs are read: on this thread, or on the lanes' threads (engine/fetch-lanes.ts), told first how many reads come. */
export interface TarballReader {
  tarball(target: TarballTarget): Promise<TarballFact>
  expect?(count: number): void
}

/** Reads many tarballs, a few at a time (bounded memory: each one is streamed). */
export async function readTarballManifests(
  targets: TarballTarget[],
  npmOptions: Record<string, any>,
  reader: TarballReader = { tarball: (target) => readTarballManifest(target, npmOptions) },
  // Two threads read (engine/fetch-lanes.ts), and the pass waits on the registry more than on the CPU (the
  // threads 65 % and 50 % busy with 12 in flight). 24 beat 12 on the bench app's cold ci in 5 of 6 alternating
  // runs (stop 20; medians 27.1 against 27.9 s, the pairs' differences' median 2.6 s); 12 had beaten 8 (17.3 against 17.9 s).
  concurrency = 24,
): Promise<Map<string, TarballFact>> {
  const cache = new TarballManifestCache(npmOptions)
  // The summaries on disk first, so the reader knows how many tarballs it is asked for.
  const cached = await mapConcurrently(targets, concurrency, (target) => cache.read(target.integrity))
  reader.expect?.(cached.filter((manifest) => manifest === null).length)
  const facts = await mapConcurrently(targets, concurrency, async (target, index): Promise<TarballFact> => {
    const manifest = cached[index]
    if (manifest) return { state: 'read', manifest, declared: target.declared }
    const fact = await reader.tarball(target)
    if (fact.state === 'read') await cache.write(target.integrity, fact.manifest)
    return fact
  })
  return new Map(targets.map((target, index) => [target.location, facts[index]]))
}

/**
 * The judged nodes (location → Arborist node) that reify is
 * about to add or change: Arborist's own diff of the ideal tree against what
 * is installed, so the set is the one reify writes (everything for ci, which
 * empties node_modules first). Without filters or omissions the diff can only
 * be wider than reify's, never narrower.
 */
export async function tarballTargetsOf(
  idealTree: any,
  nodes: Map<string, any>,
  options: { isCleanInstall: boolean; loadActual: () => Promise<any> },
): Promise<TarballTarget[]> {
  let writes: (location: string) => boolean = () => true
  if (!options.isCleanInstall) {
    // Unreadable node_modules: every node counts as written (reify will say what is wrong).
    const actual = await options.loadActual().catch(() => null)
    if (!actual) return targetsFrom(nodes, () => true)
    const locations = new Set<string>()
    const walk = (diff: any) => {
      if ((diff.action === 'ADD' || diff.action === 'CHANGE') && diff.ideal) locations.add(diff.ideal.location)
      for (const child of diff.children ?? []) walk(child)
    }
    walk(Diff.calculate({ actual, ideal: idealTree }))
    writes = (location) => locations.has(location)
  }
  return targetsFrom(nodes, writes)
}

function targetsFrom(nodes: Map<string, any>, writes: (location: string) => boolean): TarballTarget[] {
  const targets: TarballTarget[] = []
  for (const [location, node] of nodes) {
    // Inert: an optional package Arborist will not install here (another platform's binary, and
    // what only it needs); reify's diff leaves it out, so its tarball is neither downloaded nor read.
    if (node.isLink || node.inert || !writes(location)) continue
    targets.push({
      location,
      name: node.packageName ?? node.name,
      version: node.version,
      resolved: node.resolved ?? null,
      integrity: node.integrity ?? null,
      declared: declaredManifestOf(node.package),
    })
  }
  return targets
}
