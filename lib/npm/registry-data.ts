// The one boundary for data the guard did not write itself: packuments from a
// registry, package-lock.json entries and the fields read from Arborist's
// nodes. Each is checked against one schema (registry-schemas.ts); a value of
// the wrong type is dropped and named as a problem (the engine then reports the
// package as unverifiable), never coerced to a string and never allowed to
// throw later in a rule. Only the fields the guard reads are checked; the rest
// is ignored. Documents of the plain shape nearly all of them have are checked
// here by hand first, so zod is loaded only for the others: what these checks
// accept the schemas accept unchanged (test/npm/node-data.test.ts compares them).
import { UsageError } from '../errors.js'
import { INSTALL_SCRIPT_NAMES } from '../heuristics/version-signals.js'

/** A field path as people read it: versions["1.0.0"]._npmUser.name, packages["node_modules/a"].resolved. */
export function dataPath(path: readonly PropertyKey[]): string {
  let text = ''
  for (const key of path) {
    const name = String(key)
    text += typeof key === 'number' ? `[${key}]` : /^[A-Za-z_$][\w$-]*$/.test(name) ? `${text ? '.' : ''}${name}` : `[${JSON.stringify(name)}]`
  }
  return text
}

export function kindOf(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'object') return 'an object'
  return `a ${typeof value}`
}

export interface Checked<T> {
  data: T
  /** Each value that had the wrong shape and was dropped, as `path: expected …, got …`. */
  problems: string[]
}

/** Problems as one short clause for a finding: the first few, then a count. */
export function summariseProblems(problems: string[]): string {
  const shown = problems.slice(0, 3).join('; ')
  return problems.length > 3 ? `${shown} (and ${problems.length - 3} more)` : shown
}

// Arborist looks dependency names up in plain objects: a name like "constructor"
// or "toString" finds Object.prototype's function and it throws a TypeError.
export const PROTOTYPE_NAMES = new Set(Object.getOwnPropertyNames(Object.prototype))

const schemas = () => import('./registry-schemas.js')

// --- plain shapes ----------------------------------------------------------------

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value)
const isNullishString = (value: unknown) => value === undefined || value === null || typeof value === 'string'
const isOptional = (value: unknown, is: (value: unknown) => boolean) => value === undefined || is(value)
const isBoolean = (value: unknown) => typeof value === 'boolean'
const isString = (value: unknown) => typeof value === 'string'

function isStringMap(value: unknown): boolean {
  if (!isObject(value)) return false
  for (const key in value) if (typeof value[key] !== 'string') return false
  return true
}

function isDependencyMap(value: unknown): boolean {
  if (!isStringMap(value)) return false
  for (const key in value as object) if (PROTOTYPE_NAMES.has(key)) return false
  return true
}

const isStringList = (value: unknown) => Array.isArray(value) && value.every(isString)

const LOCK_FLAGS = ['link', 'dev', 'optional', 'devOptional', 'peer', 'inBundle', 'hasInstallScript', 'hasShrinkwrap'] as const
const DEPENDENCY_FIELDS = ['dependencies', 'optionalDependencies', 'peerDependencies', 'devDependencies'] as const

/** An entry of `packages`, field by field as lockfileEntrySchema (unknown fields are ignored there too). */
function isPlainLockEntry(entry: unknown, nested: boolean): boolean {
  if (!isObject(entry)) return false
  if (!isOptional(entry.name, isString) || !isOptional(entry.version, isString) || !isNullishString(entry.resolved) || !isNullishString(entry.integrity)) return false
  if (!isOptional(entry.deprecated, isString)) return false
  for (const flag of LOCK_FLAGS) if (!isOptional(entry[flag], isBoolean)) return false
  for (const field of DEPENDENCY_FIELDS) {
    if (nested && field === 'dependencies') continue
    if (!isOptional(entry[field], isDependencyMap)) return false
  }
  if (!isOptional(entry.bin, (bin) => typeof bin === 'string' || isStringMap(bin))) return false
  if (nested) {
    if (!isOptional(entry.requires, (requires) => typeof requires === 'boolean' || isDependencyMap(requires))) return false
    if (!isOptional(entry.dependencies, isPlainNestedEntries)) return false
  }
  return true
}

function isPlainNestedEntries(value: unknown): boolean {
  if (!isObject(value)) return false
  for (const key in value) if (!isPlainLockEntry(value[key], true)) return false
  return true
}

/** A lockfile of the shape lockfileSchema accepts as it is. */
export function isPlainLockfile(value: unknown): boolean {
  if (!isObject(value)) return false
  const version = value.lockfileVersion
  if (version !== undefined && !(typeof version === 'number' && Number.isInteger(version) && version >= 1)) return false
  if (!isOptional(value.requires, isBoolean)) return false
  if (value.packages !== undefined) {
    if (!isObject(value.packages)) return false
    for (const location in value.packages) if (!isPlainLockEntry(value.packages[location], false)) return false
  }
  return isOptional(value.dependencies, isPlainNestedEntries)
}

/** A package.json of the shape projectManifestSchema accepts as it is. */
export function isPlainProjectManifest(value: unknown): boolean {
  if (!isObject(value)) return false
  if (!isOptional(value.name, isString) || !isOptional(value.version, isString)) return false
  for (const field of DEPENDENCY_FIELDS) if (!isOptional(value[field], isDependencyMap)) return false
  const meta = value.peerDependenciesMeta
  if (meta !== undefined) {
    if (!isObject(meta)) return false
    for (const key in meta) if (!isObject(meta[key]) || !isOptional((meta[key] as Record<string, unknown>).optional, isBoolean)) return false
  }
  for (const field of ['bundleDependencies', 'bundledDependencies']) if (!isOptional(value[field], (bundle) => typeof bundle === 'boolean' || isStringList(bundle))) return false
  if (!isOptional(value.overrides, isObject)) return false
  if (!isOptional(value.workspaces, (workspaces) => isStringList(workspaces) || (isObject(workspaces) && isOptional(workspaces.packages, isStringList)))) return false
  return isOptional(value.scripts, isStringMap)
}

// --- packuments -----------------------------------------------------------------

const isNullish = (value: unknown) => value === undefined || value === null
const isShortNullishString = (value: unknown) => isNullish(value) || (typeof value === 'string' && value.length <= 4096)

/** A version of a packument, field by field as versionManifestSchema reads it. */
function isPlainVersion(manifest: unknown): boolean {
  if (!isObject(manifest)) return false
  const { _npmUser: user, scripts, deprecated, dist } = manifest
  if (!isNullish(user) && !(isObject(user) && isNullishString(user.name))) return false
  if (!isNullish(scripts)) {
    if (!isObject(scripts)) return false
    for (const event of INSTALL_SCRIPT_NAMES) if (!isOptional(scripts[event], isString)) return false
  }
  if (!(isNullishString(deprecated) || deprecated === false)) return false
  if (isNullish(dist)) return true
  return isObject(dist) && (isNullish(dist.attestations) || isObject(dist.attestations)) && isShortNullishString(dist.integrity) && isShortNullishString(dist.shasum)
}

/**
 * A full packument of the shape packumentSchema accepts with nothing to drop
 * (what nearly every registry serves): the guard reads it as it is, and zod is
 * not needed to summarise it.
 */
export function isPlainPackument(value: unknown): boolean {
  if (!isObject(value) || typeof value.name !== 'string' || !isObject(value.versions)) return false
  const { versions, time } = value
  for (const version in versions) if (!isPlainVersion(versions[version])) return false
  if (!isNullish(time)) {
    if (!isObject(time)) return false
    for (const key in versions) if (Object.hasOwn(time, key) && typeof time[key] !== 'string') return false
    if (Object.hasOwn(time, 'modified') && typeof time.modified !== 'string') return false
  }
  const tags = value['dist-tags']
  if (!isNullish(tags) && !isStringMap(tags)) return false
  return isNullishString(value.modified)
}

// --- package-lock.json ------------------------------------------------------------

/** The first problem of a lockfile document, as `path: expected …`, or null when its shape is right. */
export async function lockfileProblem(value: unknown): Promise<string | null> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return `expected a JSON object, got ${kindOf(value)}`
  // A location is a folder path: one ending in a slash names no package, and Arborist cannot place it.
  const packages = (value as { packages?: unknown }).packages
  if (packages && typeof packages === 'object' && !Array.isArray(packages)) {
    const bad = Object.keys(packages).find((location) => location.endsWith('/') || location.includes('//') || /(^|\/)node_modules$/.test(location))
    if (bad !== undefined) return `packages[${JSON.stringify(bad)}]: expected a folder path like "node_modules/name", got ${JSON.stringify(bad)}`
    // A link names the folder it points at in `resolved`; without one Arborist fails with a TypeError.
    const entries = packages as Record<string, unknown>
    const link = Object.keys(entries).find((location) => isObject(entries[location]) && (entries[location] as Record<string, unknown>).link === true && typeof (entries[location] as Record<string, unknown>).resolved !== 'string')
    if (link !== undefined) return `${dataPath(['packages', link, 'resolved'])}: expected the folder the link points at (a string), got ${kindOf((entries[link] as Record<string, unknown>).resolved)}`
  }
  if (isPlainLockfile(value)) return null
  return (await schemas()).lockfileSchemaProblem(value)
}

/** A parser's message on one line (V8 quotes the text around the error, newlines included). */
function oneLine(error: unknown): string {
  return String((error as Error)?.message ?? error).replace(/\s+/g, ' ').trim()
}

const PROTO_KEY = '__proto__'

/**
 * JSON.parse that refuses a `__proto__` key: JSON makes it an ordinary key, but
 * the schema cannot check its value (zod skips it) and code that copies the
 * document would set a prototype with it. No real manifest or lockfile has one.
 */
function parseJsonDocument(text: string, file: string, code: string): unknown {
  // Without the name spelled out and without any \u escape (which could spell it), no key can be
  // __proto__: the plain parse, many times faster than one with a reviver on a large lockfile.
  if (!text.includes(PROTO_KEY) && !text.includes('\\u')) {
    try {
      return JSON.parse(text)
    } catch (error) {
      throw new UsageError(`${file}: invalid JSON: ${oneLine(error)}`, code)
    }
  }
  let hasProtoKey = false
  let value: unknown
  try {
    value = JSON.parse(text, function (key, entry) {
      if (key === PROTO_KEY) hasProtoKey = true
      return entry
    })
  } catch (error) {
    throw new UsageError(`${file}: invalid JSON: ${oneLine(error)}`, code)
  }
  if (hasProtoKey) throw new UsageError(`${file}: a key named "${PROTO_KEY}" is not allowed`, code)
  return value
}

/** package-lock.json / npm-shrinkwrap.json as text → the parsed document; ELOCKFILE (exit 2) naming the file when it is not JSON or has the wrong shape. */
export async function parseLockfile(text: string, file: string): Promise<Record<string, any>> {
  const lock = parseJsonDocument(text, file, 'ELOCKFILE')
  const problem = await lockfileProblem(lock)
  if (problem) throw new UsageError(`${file}: ${problem}`, 'ELOCKFILE')
  return lock as Record<string, any>
}

// --- package.json -----------------------------------------------------------------

/** The first problem of a package.json document, as `field: expected …`, or null when its shape is right. */
export async function projectManifestProblem(value: unknown): Promise<string | null> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return `expected a JSON object, got ${kindOf(value)}`
  if (isPlainProjectManifest(value)) return null
  return (await schemas()).projectManifestSchemaProblem(value)
}

/** A project's package.json as text → the parsed document; EPACKAGEJSON (exit 2) naming the file and field when it is not usable. */
export async function parseProjectManifest(text: string, file = 'package.json'): Promise<Record<string, any>> {
  const manifest = parseJsonDocument(text, file, 'EPACKAGEJSON')
  const problem = await projectManifestProblem(manifest)
  if (problem) throw new UsageError(`${file}: ${problem}`, 'EPACKAGEJSON')
  return manifest as Record<string, any>
}

// --- Arborist nodes -----------------------------------------------------------------

/** What package-view.ts reads from a node and its manifest (node.package): nodeDataSchema's output. */
export interface NodeData {
  name: string
  version: string
  location: string
  resolved?: string | null
  integrity?: string | null
  scripts?: Record<string, string> | null
  deprecated?: string | false | null
  gypfile?: unknown
}

/** nodeDataSchema's fields, in its order. */
const NODE_DATA_KEYS = ['name', 'version', 'location', 'resolved', 'integrity', 'scripts', 'deprecated', 'gypfile'] as const
const NODE_DATA_KEY_SET = new Set<string>(NODE_DATA_KEYS)

function isPlainNodeData(value: Record<string, unknown>): boolean {
  for (const key in value) if (!NODE_DATA_KEY_SET.has(key)) return false
  const { scripts, deprecated } = value
  if (scripts !== undefined && scripts !== null) {
    if (typeof scripts !== 'object' || Array.isArray(scripts) || Object.getPrototypeOf(scripts) !== Object.prototype) return false
    for (const key of Object.keys(scripts)) if (typeof (scripts as Record<string, unknown>)[key] !== 'string') return false
  }
  return (
    typeof value.name === 'string' &&
    typeof value.version === 'string' &&
    typeof value.location === 'string' &&
    isNullishString(value.resolved) &&
    isNullishString(value.integrity) &&
    (isNullishString(deprecated) || deprecated === false)
  )
}

/** The problems of one node field, as nodeDataSchema names them (empty: the value is kept as it is). */
function nodeFieldProblems(key: (typeof NODE_DATA_KEYS)[number], value: unknown): string[] {
  const expected = (what: string, path: PropertyKey[] = [key]) => [`${dataPath(path)}: expected ${what}, got ${kindOf(value === undefined || path.length === 1 ? value : (value as any)[path[1] as string])}`]
  switch (key) {
    case 'name':
    case 'version':
    case 'location':
      return typeof value === 'string' ? [] : expected('a string')
    case 'resolved':
    case 'integrity':
      return isNullishString(value) ? [] : expected('a string')
    case 'scripts': {
      if (value === undefined || value === null) return []
      if (typeof value !== 'object' || Array.isArray(value)) return expected('an object')
      return Object.keys(value).flatMap((name) => (typeof (value as Record<string, unknown>)[name] === 'string' ? [] : expected('a string', [key, name])))
    }
    case 'deprecated':
      return isNullishString(value) || value === false ? [] : expected('a string or false')
    case 'gypfile':
      return []
  }
}

/** A node's fields with the wrong-typed ones dropped (blank for name, version and location; nothing is stringified). */
export function checkNodeData(value: Record<string, unknown>): Checked<NodeData> {
  // Nearly every node is of the plain shape, and zod costs about 40 µs a node:
  // what these checks accept the schema accepts unchanged.
  if (isPlainNodeData(value)) {
    const data: Record<string, unknown> = {}
    for (const key in value) if (value[key] !== undefined) data[key] = value[key]
    return { data: data as unknown as NodeData, problems: [] }
  }
  // Field by field as nodeDataSchema, without loading it (checkNodeDataBySchema in registry-schemas.ts is the reference).
  const problems: string[] = []
  const data: Record<string, unknown> = { name: '', version: '', location: '' }
  for (const key of NODE_DATA_KEYS) {
    const found = nodeFieldProblems(key, value[key])
    if (found.length > 0) problems.push(...found)
    else if (value[key] !== undefined) data[key] = key === 'scripts' && value[key] !== null ? { ...(value[key] as object) } : value[key]
  }
  return { data: data as unknown as NodeData, problems }
}
