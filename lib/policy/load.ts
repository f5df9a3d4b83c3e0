// Finding, reading, validating and layering policy files.
import { cosmiconfig, type PublicExplorer } from 'cosmiconfig'
import { readFile, realpath } from 'node:fs/promises'
import { createRequire } from 'node:module'
import path from 'node:path'
import { parseProjectManifest } from '../npm/registry-data.js'
import { mergeWithFloor, type MergedPolicy, type PolicyLayer } from './merge.js'
import { PolicyError } from './errors.js'
import { policySchema, type PolicyDocument } from './schema.js'
import { describeIssue } from './validation-message.js'

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

function explorer(): PublicExplorer {
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

export function validatePolicy(value: unknown, source: string): PolicyDocument {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new PolicyError(`${source}: a policy must be a JSON object`, 'EPOLICYINVALID')
  }
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
    result = await explorer().load(file)
  } catch (error) {
    const err = error as NodeJS.ErrnoException
    if (err.code === 'ENOENT') throw new PolicyError(`${label(file, cwd)}: policy file not found`, 'EPOLICYNOTFOUND')
    throw new PolicyError(describeParseError(err, cwd), 'EPOLICYPARSE')
  }
  if (!result || result.isEmpty) throw new PolicyError(`${label(file, cwd)}: the policy file is empty`, 'EPOLICYINVALID')
  return { document: validatePolicy(result.config, label(file, cwd)), file }
}

function resolveExtends(spec: string, fromFile: string, cwd: string): string {
  if (spec.startsWith('./') || spec.startsWith('../') || path.isAbsolute(spec)) {
    return path.resolve(path.dirname(fromFile), spec)
  }
  try {
    return createRequire(path.join(cwd, 'package.json')).resolve(spec)
  } catch {
    throw new PolicyError(
      `${label(fromFile, cwd)}: extends "${spec}" is neither a relative file nor a package installed in node_modules`,
      'EPOLICYNOTFOUND',
    )
  }
}

/** A policy file and, before it, everything it extends (depth first). */
async function layersOf(
  file: string,
  cwd: string,
  isOrganisation: boolean,
  seen: Set<string>,
  document?: PolicyDocument,
): Promise<PolicyLayer[]> {
  if (seen.has(file)) throw new PolicyError(`${label(file, cwd)}: extends itself in a cycle`, 'EPOLICYCYCLE')
  seen.add(file)
  const own = document ?? (await readPolicyFile(file, cwd, !isOrganisation && (await isReallyInside(file, cwd))))!.document
  const bases = typeof own.extends === 'string' ? [own.extends] : own.extends ?? []
  const layers: PolicyLayer[] = []
  for (const spec of bases) {
    const target = resolveExtends(spec, file, cwd)
    // Extended policies are data: a package or file outside the project never runs code.
    layers.push(...(await layersOf(target, cwd, isOrganisation || !(await isReallyInside(target, cwd)), seen)))
  }
  const source = path.basename(file) === 'package.json' ? `${label(file, cwd)}#${MODULE_NAME}` : label(file, cwd)
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
  return text === null ? null : parseProjectManifest(text, label(file, cwd))
}

/** A code file discovery would load that is a symlink out of the project is refused before it can run. */
async function checkDiscoverable(cwd: string, manifest: Record<string, unknown> | null): Promise<void> {
  const realCwd = await realPathOf(cwd)
  // In cosmiconfig's order: the first place that exists is the one it loads.
  for (const place of SEARCH_PLACES) {
    if (place === 'package.json') {
      if (manifest && Object.hasOwn(manifest, MODULE_NAME)) return
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
    return
  }
}

export async function loadPolicy(options: LoadPolicyOptions): Promise<LoadedPolicy> {
  const cwd = path.resolve(options.cwd)
  const manifest = await readProjectManifest(cwd)
  const organisation = options.orgPolicyFile
    ? await layersOf(path.resolve(cwd, options.orgPolicyFile), cwd, true, new Set())
    : []

  let project: PolicyLayer[] = []
  if (options.policyFile) {
    const file = path.resolve(cwd, options.policyFile)
    project = await layersOf(file, cwd, false, new Set())
  } else {
    await checkDiscoverable(cwd, manifest)
    let found
    try {
      found = await explorer().search(cwd)
    } catch (error) {
      throw new PolicyError(describeParseError(error, cwd), 'EPOLICYPARSE')
    }
    if (found && !found.isEmpty) {
      const source = label(found.filepath, cwd)
      const document = validatePolicy(found.config, path.basename(found.filepath) === 'package.json' ? `${source}#${MODULE_NAME}` : source)
      project = await layersOf(found.filepath, cwd, false, new Set(), document)
    }
  }
  const merged = mergeWithFloor(organisation, project)
  return { ...merged, files: [...organisation, ...project].map((layer) => layer.source) }
}
