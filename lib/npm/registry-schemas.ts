// The zod schemas of the registry-data boundary (registry-data.ts), in a
// module of their own: zod is loaded only when a document is not of the plain
// shape registry-data.ts checks by hand, or when a packument is summarised, so a
// run whose inputs are all plain (an installed tree judged before) never loads it.
import { z } from 'zod'
import { dataPath, kindOf, PROTOTYPE_NAMES, type Checked, type NodeData } from './registry-data.js'
import { INSTALL_SCRIPT_NAMES } from '../heuristics/version-signals.js'

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let node: any = root
  for (const key of path) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, key as string)) return undefined
    node = node[key as any]
  }
  return node
}

const ARTICLE: Record<string, string> = { array: 'a list', object: 'an object', record: 'an object', int: 'an integer' }

/** What an issue expected, in words: "a string", "a string or false". */
function expectedBy(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type') return ARTICLE[issue.expected] ?? `a ${issue.expected}`
  if (issue.code === 'invalid_value') return issue.values.map((value) => JSON.stringify(value)).join(' or ')
  if (issue.code === 'invalid_union') return [...new Set(issue.errors.map((errors) => (errors[0] ? expectedBy(errors[0]) : 'something else')))].join(' or ')
  return issue.message.replace(/^Invalid input: /, '')
}

/** One issue as `where: expected …, got …`; the value itself is never printed (it is untrusted). */
function describeDataIssue(issue: z.core.$ZodIssue, root: unknown): string {
  const where = dataPath(issue.path) || 'the document'
  if (issue.code === 'too_big') return `${where}: too long`
  if (issue.code === 'invalid_key') return `${where}: ${issue.issues[0]?.message ?? 'not a valid key'}`
  return `${where}: expected ${expectedBy(issue)}, got ${kindOf(valueAt(root, issue.path))}`
}

/** A shallow copy of `root` along `path` with the value at its end removed (the input is never mutated). */
function without(root: unknown, path: readonly PropertyKey[]): unknown {
  if (path.length === 0 || root === null || typeof root !== 'object') return root
  const [key, ...rest] = path
  const copy: any = Array.isArray(root) ? [...root] : { ...root }
  if (rest.length === 0) {
    if (Array.isArray(copy) && typeof key === 'number') copy[key] = undefined
    else delete copy[key as string]
  } else if (Object.hasOwn(copy, key as string)) {
    copy[key as string] = without(copy[key as string], rest)
  }
  return copy
}

/**
 * Parses `value`; every value an issue points at is dropped and the parse is
 * repeated, so the result holds what had the right shape and the problems
 * name what did not. Returns null when a field named in `required` (or the
 * document itself) is wrong, since there is nothing left to judge.
 */
function checkDropping<S extends z.ZodType>(schema: S, value: unknown, required: string[] = []): Checked<z.output<S>> | null {
  const problems: string[] = []
  let current = value
  // Each pass only removes values, so a handful of passes always settles.
  for (let pass = 0; pass < 8; pass++) {
    const result = schema.safeParse(current)
    if (result.success) return { data: result.data, problems }
    for (const issue of result.error.issues) {
      if (issue.path.length === 0 || (issue.path.length === 1 && required.includes(String(issue.path[0])))) return null
      problems.push(describeDataIssue(issue, current))
      current = without(current, issue.path)
    }
  }
  return null
}

// --- values shared by every schema below -------------------------------------

const dependencyNameSchema = z.string().refine((name) => !PROTOTYPE_NAMES.has(name), {
  error: 'expected a package name npm can resolve (not a built-in object property such as "constructor")',
})
export const dependencyMapSchema = z.record(dependencyNameSchema, z.string())
/** Install-time scripts are what rules judge; each must be a command string. */
export const installScriptsSchema = z.object(
  Object.fromEntries(INSTALL_SCRIPT_NAMES.map((event) => [event, z.string().optional()])) as Record<(typeof INSTALL_SCRIPT_NAMES)[number], z.ZodOptional<z.ZodString>>,
)
/** Registries write false or "" to lift a deprecation. */
const deprecationSchema = z.union([z.string(), z.literal(false)]).nullish()

// --- packuments -----------------------------------------------------------------

const versionManifestSchema = z.object({
  _npmUser: z
    .object({
      name: z.string().nullish(),
      trustedPublisher: z.unknown().optional(),
    })
    .nullish(),
  scripts: installScriptsSchema.nullish(),
  deprecated: deprecationSchema,
  // Only used to recognise security holding packages: a description of another type is dropped, not judged.
  description: z.unknown().optional(),
  // Only names are read from these (packument-facts.ts), and only from the right shapes: checking every
  // dependency map of every version here would cost more than the comparison they serve.
  dependencies: z.unknown().optional(),
  optionalDependencies: z.unknown().optional(),
  maintainers: z.unknown().optional(),
  dist: z
    .object({
      attestations: z.object({ provenance: z.unknown().optional() }).nullish(),
      // What the tarball's bytes must hash to: compared with the lockfile's integrity.
      integrity: z.string().max(4096).nullish(),
      shasum: z.string().max(4096).nullish(),
    })
    .nullish(),
})

/** The fields of a full packument the guard reads. */
export const packumentSchema = z
  .object({
    name: z.string(),
    versions: z.record(z.string(), versionManifestSchema),
    // `time` also holds `created`, `modified` and, for unpublished packages, an object.
    time: z.record(z.string(), z.unknown()).nullish(),
    'dist-tags': z.record(z.string(), z.string()).nullish(),
    modified: z.string().nullish(),
  })
  .superRefine((packument, context) => {
    const time = packument.time ?? {}
    for (const key of [...Object.keys(packument.versions), 'modified']) {
      if (Object.hasOwn(time, key) && typeof time[key] !== 'string') {
        context.addIssue({ code: 'invalid_type', expected: 'string', input: time[key], path: ['time', key] })
      }
    }
  })

export type CheckedPackument = z.output<typeof packumentSchema>

/**
 * A registry's packument with every read field of the right type, or null
 * when it is not a packument at all (no name, no versions object).
 */
export function checkPackument(value: unknown): Checked<CheckedPackument> | null {
  return checkDropping(packumentSchema, value, ['name', 'versions'])
}

// --- package-lock.json ------------------------------------------------------------

const flag = z.boolean().optional()

/** An entry of `packages` (lockfile v2/v3) or of the nested `dependencies` (v1). */
export const lockfileEntrySchema = z.object({
  name: z.string().optional(),
  version: z.string().optional(),
  resolved: z.string().nullish(),
  integrity: z.string().nullish(),
  link: flag,
  dev: flag,
  optional: flag,
  devOptional: flag,
  peer: flag,
  inBundle: flag,
  hasInstallScript: flag,
  hasShrinkwrap: flag,
  deprecated: z.string().optional(),
  dependencies: dependencyMapSchema.optional(),
  optionalDependencies: dependencyMapSchema.optional(),
  peerDependencies: dependencyMapSchema.optional(),
  devDependencies: dependencyMapSchema.optional(),
  bin: z.union([z.string(), z.record(z.string(), z.string())]).optional(),
})

type NestedEntry = z.infer<typeof lockfileEntrySchema> & { requires?: unknown; dependencies?: unknown }

const nestedEntrySchema: z.ZodType<NestedEntry> = lockfileEntrySchema.extend({
  requires: z.union([z.boolean(), dependencyMapSchema]).optional(),
  // v1 nests each entry's own dependencies as entries.
  get dependencies() {
    return z.record(z.string(), nestedEntrySchema).optional()
  },
}) as any

export const lockfileSchema = z.object({
  lockfileVersion: z.number().int().min(1).optional(),
  requires: z.boolean().optional(),
  packages: z.record(z.string(), lockfileEntrySchema).optional(),
  dependencies: z.record(z.string(), nestedEntrySchema).optional(),
})

/** The first issue of a failed parse, with a count of the others. */
function firstProblem(result: { success: boolean; error?: z.ZodError }, value: unknown): string | null {
  if (result.success || !result.error) return null
  const [first, ...rest] = result.error.issues
  return `${describeDataIssue(first, value)}${rest.length > 0 ? ` (and ${rest.length} more problem${rest.length > 1 ? 's' : ''})` : ''}`
}

/** The first problem the schema finds in a lockfile document, as `path: expected …`, or null when its shape is right. */
export function lockfileSchemaProblem(value: unknown): string | null {
  return firstProblem(lockfileSchema.safeParse(value), value)
}

// --- package.json -----------------------------------------------------------------

/** The fields of a project's package.json that npm resolves from. */
export const projectManifestSchema = z.object({
  name: z.string().optional(),
  version: z.string().optional(),
  dependencies: dependencyMapSchema.optional(),
  devDependencies: dependencyMapSchema.optional(),
  optionalDependencies: dependencyMapSchema.optional(),
  peerDependencies: dependencyMapSchema.optional(),
  peerDependenciesMeta: z.record(z.string(), z.object({ optional: z.boolean().optional() })).optional(),
  bundleDependencies: z.union([z.boolean(), z.array(z.string())]).optional(),
  bundledDependencies: z.union([z.boolean(), z.array(z.string())]).optional(),
  overrides: z.record(z.string(), z.unknown()).optional(),
  workspaces: z.union([z.array(z.string()), z.object({ packages: z.array(z.string()).optional() })]).optional(),
  scripts: z.record(z.string(), z.string()).optional(),
})

/** The first problem the schema finds in a package.json document, as `field: expected …`, or null when its shape is right. */
export function projectManifestSchemaProblem(value: unknown): string | null {
  return firstProblem(projectManifestSchema.safeParse(value), value)
}

// --- Arborist nodes -----------------------------------------------------------------

/** What package-view.ts reads from a node and its manifest (node.package). */
export const nodeDataSchema = z.object({
  name: z.string(),
  version: z.string(),
  location: z.string(),
  resolved: z.string().nullish(),
  integrity: z.string().nullish(),
  scripts: z.record(z.string(), z.string()).nullish(),
  deprecated: deprecationSchema,
  gypfile: z.unknown().optional(),
})



/** The node fields by the schema alone, field by field: the reference checkNodeData's hand-written checks are tested against. */
export function checkNodeDataBySchema(value: Record<string, unknown>): Checked<NodeData> {
  const problems: string[] = []
  const data: Record<string, unknown> = { name: '', version: '', location: '' }
  for (const [key, field] of Object.entries(nodeDataSchema.shape)) {
    const result = (field as z.ZodType).safeParse(value[key])
    if (result.success) {
      if (result.data !== undefined) data[key] = result.data
    } else {
      for (const issue of result.error.issues) problems.push(describeDataIssue({ ...issue, path: [key, ...issue.path] } as z.core.$ZodIssue, value))
    }
  }
  return { data: data as unknown as NodeData, problems }
}
