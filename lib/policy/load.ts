// Finding, reading, validating and layering policy files.
import type { PublicExplorer } from 'cosmiconfig'
import { readFile, realpath } from 'node:fs/promises'
import { createRequire } from 'node:module'
import path from 'node:path'
import { parseProjectManifest } from '../npm/registry-data.js'
import { mergeWithFloor, type MergedPolicy, type PolicyLayer } from './merge.js'
import { PolicyError } from './errors.js'
import { fetchRemotePolicy, parseRemoteSpec, type RemotePolicy, type RemoteSpec } from './remote-source.js'
import type { PolicyDocument } from './schema.js'

const MODULE_NAME = 'safe-npm'
/** The package.json field a project policy may live in. */
export const POLICY_FIELD = MODULE_NAME
/** Where discovery looks, in order: the first that exists is the project policy. */
export const SEARCH_PLACES = [
  'package.json',
  '.safe-npmrc',
  '.safe-npmrc.json',
  '.safe-npmrc.yaml',
  '.safe-npmrc.yml',
  'safe-npm.config.json',
  'safe-npm.config.js',
  'safe-npm.config.cjs',
  'safe-npm.config.mjs',
]
const DATA_FILE = /\.(json|ya?ml)$|(^|[/\\])\.safe-npmrc$/i

export interface LoadPolicyOptions {
  /** The project directory. */
  cwd: string
  /** `--policy FILE`: used instead of discovery. */
  policyFile?: string
  /** `--org-policy FILE` or SAFE_NPM_ORG_POLICY. */
  orgPolicyFile?: string
  /** A project policy not yet on disk (`safe-npm init --dry-run`): used instead of discovery, as if read from `file`. */
  unwritten?: { file: string; document: unknown }
  /** npm's flat options (registry, proxy, CA, offline, cache), for policies fetched from a registry or a URL. */
  npmOptions?: Record<string, any>
}

export interface LoadedPolicy extends MergedPolicy {
  /** Every file that contributed, in the order applied; empty when only the embedded default applies. */
  files: string[]
}

/**
 * Parser messages span lines with a code frame ("JSON Error in FILE:\n> 1 | {bad\n  |  ^ reason");
 * keep the file and the reason, on one line.
 */
function describeParseError(error: unknown, cwd: string): string {
  const lines = String((error as Error)?.message ?? error).split('\n')
  const header = /^(JSON|YAML) Error in (.+?):?\s*$/.exec(lines[0] ?? '')
  const isCodeFrame = (line: string) => /^\s*>?\s*\d*\s*\|/.test(line) || /^\s*[\^-]+\s*$/.test(line)
  const reason = (header ? lines.slice(1) : lines)
    .filter((line) => line.trim() !== '' && !isCodeFrame(line))
    .map((line) => line.replace(/^\s*\|?\s*\^?\s*/, '').replace(/ while parsing .*$/, '').trim())
    .filter(Boolean)[0] ?? 'unreadable'
  return header ? `${label(header[2], cwd)}: invalid ${header[1]}: ${reason}` : reason
}

/** cosmiconfig loads only when there is a policy file to read: a project without one never needs it. */
async function explorer(): Promise<PublicExplorer> {
  const { cosmiconfig } = await import('cosmiconfig')
  return cosmiconfig(MODULE_NAME, { searchPlaces: SEARCH_PLACES, searchStrategy: 'none', cache: false })
}

/** The project's own files; an installed package (node_modules) is not the project's code. */
function isInside(file: string, directory: string): boolean {
  const relative = path.relative(directory, file)
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative) && !relative.split(path.sep).includes('node_modules')
}

/** The path with every symlink resolved; the path itself when it does not exist (reading it reports that). */
async function realPathOf(file: string): Promise<string> {
  try {
    return await realpath(file)
  } catch {
    return path.resolve(file)
  }
}

/** Whether the file really lives in the project: a symlink out of it (a linked folder, a linked file) does not. */
async function isReallyInside(file: string, directory: string): Promise<boolean> {
  return isInside(await realPathOf(file), await realPathOf(directory))
}

function label(file: string, cwd: string): string {
  const relative = path.relative(cwd, file)
  return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative
}

export async function validatePolicy(value: unknown, source: string): Promise<PolicyDocument> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new PolicyError(`${source}: a policy must be a JSON object`, 'EPOLICYINVALID')
  }
  // The schema (and zod) loads only when there is a policy document to check: not for the embedded default.
  const [{ policySchema }, { describeIssue }] = await Promise.all([import('./schema.js'), import('./validation-message.js')])
  const result = policySchema.safeParse(value, { reportInput: true })
  if (result.success) return result.data
  // Every problem, one line each: the error line counts them and names the first.
  const [first, ...rest] = result.error.issues.map((issue) => describeIssue(issue, value))
  const error = new PolicyError(`${source}: ${rest.length > 0 ? `${rest.length + 1} problems: ` : ''}${first}`, 'EPOLICYINVALID')
  error.detail = rest.map((problem) => `${source}: ${problem}`)
  throw error
}

async function readPolicyFile(file: string, cwd: string, mayRunCode: boolean): Promise<{ document: PolicyDocument; file: string } | null> {
  if (!mayRunCode && !DATA_FILE.test(file)) {
    throw new PolicyError(
      `${label(file, cwd)}: policies from outside the project must be JSON or YAML; safe-npm runs no code from them`,
      'EPOLICYCODE',
    )
  }
  let result
  try {
    result = await (await explorer()).load(file)
  } catch (error) {
    const err = error as NodeJS.ErrnoException
    if (err.code === 'ENOENT') throw new PolicyError(`${label(file, cwd)}: policy file not found`, 'EPOLICYNOTFOUND')
    throw new PolicyError(describeParseError(err, cwd), 'EPOLICYPARSE')
  }
  if (!result || result.isEmpty) throw new PolicyError(`${label(file, cwd)}: the policy file is empty`, 'EPOLICYINVALID')
  return { document: await validatePolicy(result.config, label(file, cwd)), file }
}

/** Where a policy layer comes from: a file on disk, or a pinned package or URL (see remote-source.ts). */
type PolicyPlace = { kind: 'file'; file: string } | { kind: 'remote'; policy: RemotePolicy }

function resolveExtends(spec: string, from: PolicyPlace, cwd: string): PolicyPlace | { kind: 'remote-spec'; spec: RemoteSpec } {
  const where = from.kind === 'file' ? label(from.file, cwd) : from.policy.label
  const remote = parseRemoteSpec(spec, `${where}: extends`)
  if (remote) return { kind: 'remote-spec', spec: remote }
  if (from.kind === 'remote') {
    // A fetched policy reaches only files of its own package, or other pinned sources.
    const sibling = from.policy.sibling(spec)
    if (sibling) return { kind: 'remote', policy: sibling }
    throw new PolicyError(`${where}: extends "${spec}": a fetched policy may extend only files of its own package (./…) or npm:/https: sources pinned like it`, 'EPOLICYSOURCE')
  }
  const fromFile = from.file
  if (spec.startsWith('./') || spec.startsWith('../') || path.isAbsolute(spec)) {
    return { kind: 'file', file: path.resolve(path.dirname(fromFile), spec) }
  }
  try {
    return { kind: 'file', file: createRequire(path.join(cwd, 'package.json')).resolve(spec) }
  } catch {
    throw new PolicyError(
      `${label(fromFile, cwd)}: extends "${spec}" is neither a relative file, a package installed in node_modules, nor npm:<name>@<version> / https://…#<integrity>`,
      'EPOLICYNOTFOUND',
    )
  }
}

/** A fetched policy's text as cosmiconfig would read the same file: data only. */
async function readRemotePolicy(policy: RemotePolicy, cwd: string): Promise<PolicyDocument> {
  let value: unknown
  try {
    value = await (await import('cosmiconfig')).defaultLoaders[policy.extension](policy.label, policy.text)
  } catch (error) {
    throw new PolicyError(describeParseError(error, cwd), 'EPOLICYPARSE')
  }
  if (value === null || value === undefined) throw new PolicyError(`${policy.label}: the policy file is empty`, 'EPOLICYINVALID')
  return await validatePolicy(value, policy.label)
}

interface LayerContext {
  cwd: string
  seen: Set<string>
  npmOptions: Record<string, any>
}

/** A policy and, before it, everything it extends (depth first). */
async function layersOf(place: PolicyPlace, isOrganisation: boolean, context: LayerContext, document?: PolicyDocument): Promise<PolicyLayer[]> {
  const { cwd, seen } = context
  const key = place.kind === 'file' ? place.file : place.policy.label
  const shown = place.kind === 'file' ? label(place.file, cwd) : place.policy.label
  if (seen.has(key)) throw new PolicyError(`${shown}: extends itself in a cycle`, 'EPOLICYCYCLE')
  seen.add(key)
  const own =
    document ??
    (place.kind === 'file'
      ? (await readPolicyFile(place.file, cwd, !isOrganisation && (await isReallyInside(place.file, cwd))))!.document
      : await readRemotePolicy(place.policy, cwd))
  const bases = typeof own.extends === 'string' ? [own.extends] : own.extends ?? []
  const layers: PolicyLayer[] = []
  for (const spec of bases) {
    const resolved = resolveExtends(spec, place, cwd)
    const target: PolicyPlace = resolved.kind === 'remote-spec' ? { kind: 'remote', policy: await fetchRemotePolicy(resolved.spec, context.npmOptions) } : resolved
    // Extended policies are data: a package, a URL or a file outside the project never runs code.
    const isOutside = target.kind === 'remote' || !(await isReallyInside(target.file, cwd))
    layers.push(...(await layersOf(target, isOrganisation || isOutside, context)))
  }
  const source = place.kind === 'remote' ? place.policy.label : path.basename(place.file) === 'package.json' ? `${shown}#${MODULE_NAME}` : shown
  layers.push({ source, isOrganisation, document: own })
  return layers
}

/**
 * package.json must be a valid manifest before cosmiconfig reads it (it does
 * even for --policy, for its own settings): an invalid one has its own error,
 * not a policy parse error. Returns the parsed manifest, or null without one.
 */
async function readProjectManifest(cwd: string): Promise<Record<string, unknown> | null> {
  const file = path.join(cwd, 'package.json')
  const text = await readFile(file, 'utf8').catch(() => null)
  return text === null ? null : await parseProjectManifest(text, label(file, cwd))
}

/**
 * A code file discovery would load that is a symlink out of the project is
 * refused before it can run. Returns whether there is a place discovery would load at all.
 */
async function checkDiscoverable(cwd: string, manifest: Record<string, unknown> | null): Promise<boolean> {
  const realCwd = await realPathOf(cwd)
  // In cosmiconfig's order: the first place that exists is the one it loads.
  for (const place of SEARCH_PLACES) {
    if (place === 'package.json') {
      if (manifest && Object.hasOwn(manifest, MODULE_NAME)) return true
      continue
    }
    const real = await realpath(path.join(cwd, place)).catch(() => null)
    if (real === null) continue
    if (!DATA_FILE.test(place) && !isInside(real, realCwd)) {
      throw new PolicyError(
        `${place}: policies from outside the project must be JSON or YAML; safe-npm runs no code from them (it links to ${real})`,
        'EPOLICYCODE',
      )
    }
    return true
  }
  return false
}

export async function loadPolicy(options: LoadPolicyOptions): Promise<LoadedPolicy> {
  const cwd = path.resolve(options.cwd)
  const manifest = await readProjectManifest(cwd)
  const npmOptions = options.npmOptions ?? {}
  const context = (): LayerContext => ({ cwd, seen: new Set(), npmOptions })
  let organisation: PolicyLayer[] = []
  if (options.orgPolicyFile) {
    const remote = parseRemoteSpec(options.orgPolicyFile, 'the organisation policy (--org-policy / SAFE_NPM_ORG_POLICY)')
    const place: PolicyPlace = remote ? { kind: 'remote', policy: await fetchRemotePolicy(remote, npmOptions) } : { kind: 'file', file: path.resolve(cwd, options.orgPolicyFile) }
    organisation = await layersOf(place, true, context())
  }

  let project: PolicyLayer[] = []
  if (options.unwritten) {
    const file = path.resolve(cwd, options.unwritten.file)
    project = await layersOf({ kind: 'file', file }, false, context(), await validatePolicy(options.unwritten.document, label(file, cwd)))
  } else if (options.policyFile) {
    const file = path.resolve(cwd, options.policyFile)
    project = await layersOf({ kind: 'file', file }, false, context())
  } else {
    const exists = await checkDiscoverable(cwd, manifest)
    let found
    try {
      found = exists ? await (await explorer()).search(cwd) : null
    } catch (error) {
      throw new PolicyError(describeParseError(error, cwd), 'EPOLICYPARSE')
    }
    if (found && !found.isEmpty) {
      const source = label(found.filepath, cwd)
      const document = await validatePolicy(found.config, path.basename(found.filepath) === 'package.json' ? `${source}#${MODULE_NAME}` : source)
      project = await layersOf({ kind: 'file', file: found.filepath }, false, context(), document)
    }
  }
  const merged = mergeWithFloor(organisation, project)
  return { ...merged, files: [...organisation, ...project].map((layer) => layer.source) }
}
