// Layering of policies (default ← organisation ← project) with a record of
// where each setting came from, and the organisation floor: a project may
// tighten what the organisation set, never loosen it.
import { DEFAULT_POLICY } from './default-policy.js'
import { parseDuration } from './duration.js'
import { PolicyError } from './errors.js'
import type { PolicyDocument } from './schema.js'
import type { EffectivePolicy, PolicyException } from './types.js'

export interface PolicyLayer {
  /** Where the layer came from: "default", a file path, "package.json#safe-npm". */
  source: string
  /** True for the organisation floor and everything it extends. */
  isOrganisation: boolean
  document: PolicyDocument
}

type Leaf = string | number | boolean | string[] | null
type Path = string[]

const KEY_SEPARATOR = '\u0000'

/** Objects whose keys are user data (scopes, patterns, rule ids) and merge key by key. */
function flatten(value: unknown, path: Path, into: Map<string, { path: Path; value: Leaf }>): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, child] of Object.entries(value)) flatten(child, [...path, key], into)
    return
  }
  into.set(path.join(KEY_SEPARATOR), { path, value: value as Leaf })
}

export interface MergedPolicy {
  policy: EffectivePolicy
  /** Setting path (dotted) → the source that set it. */
  origins: Map<string, string>
}

function settingsOf(document: PolicyDocument): Map<string, { path: Path; value: Leaf }> {
  const { $schema: _schema, extends: _extends, exceptions: _exceptions, ...settings } = document
  const leaves = new Map<string, { path: Path; value: Leaf }>()
  flatten(settings, [], leaves)
  return leaves
}

export function displayPath(path: Path): string {
  return path.map((key) => (/[.\s"]/.test(key) || key === '' ? JSON.stringify(key) : key)).join('.')
}

function assemble(leaves: Map<string, { path: Path; value: Leaf }>, exceptions: PolicyException[]): EffectivePolicy {
  const tree: Record<string, any> = {}
  for (const { path, value } of leaves.values()) {
    let node = tree
    for (const key of path.slice(0, -1)) node = node[key] ??= {}
    node[path[path.length - 1]] = value
  }
  // Empty objects leave no leaves, so every section may be missing here.
  for (const section of ['registries', 'packages', 'minimumReleaseAge', 'scripts']) tree[section] ??= {}
  const age = tree.minimumReleaseAge.age as string
  return {
    rules: tree.rules,
    registries: {
      allowed: tree.registries.allowed ?? null,
      scopes: tree.registries.scopes ?? {},
      private: tree.registries.private ?? {},
    },
    packages: { deny: tree.packages.deny ?? [], allow: tree.packages.allow ?? [] },
    minimumReleaseAge: {
      age,
      ageMs: parseDuration(age),
      exclude: tree.minimumReleaseAge.exclude ?? [],
      missingTime: tree.minimumReleaseAge.missingTime,
    },
    scripts: { allow: tree.scripts.allow ?? {}, npmAllowScripts: tree.scripts.npmAllowScripts },
    sources: tree.sources,
    exceptions,
  }
}

/** Merge layers in order (later wins); lists replace, exceptions add up. */
export function mergeLayers(layers: PolicyLayer[]): MergedPolicy & { leaves: Map<string, { path: Path; value: Leaf }> } {
  const all: PolicyLayer[] = [{ source: 'default', isOrganisation: true, document: DEFAULT_POLICY }, ...layers]
  const leaves = new Map<string, { path: Path; value: Leaf }>()
  const origins = new Map<string, string>()
  const exceptions: PolicyException[] = []
  for (const layer of all) {
    for (const [key, leaf] of settingsOf(layer.document)) {
      leaves.set(key, leaf)
      origins.set(displayPath(leaf.path), layer.source)
    }
    for (const exception of layer.document.exceptions ?? []) exceptions.push({ ...exception, source: layer.source })
  }
  return { policy: assemble(leaves, exceptions), origins, leaves }
}

const SEVERITY_RANK: Record<string, number> = { off: 0, warn: 1, block: 2 }
const REACH_RANK: Record<string, number> = { none: 0, direct: 1, all: 2 }

const isSubset = (inner: string[], outer: string[]) => inner.every((item) => outer.includes(item))

/** Why `project` loosens `floor` at this path, or null when it does not. */
function loosening(path: Path, floor: Leaf, project: Leaf): string | null {
  const [section, key] = path
  const show = (value: Leaf) => JSON.stringify(value)
  if (section === 'rules' || (section === 'minimumReleaseAge' && key === 'missingTime')) {
    return SEVERITY_RANK[project as string] < SEVERITY_RANK[floor as string]
      ? `${show(project)} is weaker than the organisation's ${show(floor)}`
      : null
  }
  if (section === 'sources') {
    return REACH_RANK[project as string] > REACH_RANK[floor as string]
      ? `${show(project)} allows more than the organisation's ${show(floor)}`
      : null
  }
  if (section === 'minimumReleaseAge' && key === 'age') {
    return parseDuration(project as string) < parseDuration(floor as string)
      ? `${show(project)} is shorter than the organisation's ${show(floor)}`
      : null
  }
  if (section === 'registries' && key === 'allowed') {
    const extra = (project as string[]).filter((url) => !(floor as string[]).includes(url))
    return extra.length > 0 ? `adds ${extra.map((url) => show(url)).join(', ')}, which the organisation does not allow` : null
  }
  if (section === 'packages' && key === 'deny') {
    const removed = (floor as string[]).filter((entry) => !(project as string[]).includes(entry))
    return removed.length > 0 ? `removes the organisation's denial of ${removed.map((entry) => show(entry)).join(', ')}` : null
  }
  if ((section === 'packages' && key === 'allow') || (section === 'minimumReleaseAge' && key === 'exclude')) {
    if (section === 'packages' && (floor as string[]).length === 0) return null
    const extra = (project as string[]).filter((entry) => !(floor as string[]).includes(entry))
    if (section === 'packages' && (project as string[]).length === 0) return 'drops the organisation\'s allow list'
    return extra.length > 0 ? `adds ${extra.map((entry) => show(entry)).join(', ')} beyond the organisation's list` : null
  }
  if (section === 'registries') {
    return project !== floor ? `re-pins to ${show(project)}; the organisation pins it to ${show(floor)}` : null
  }
  if (section === 'scripts') {
    return floor === false && project !== false ? `the organisation refuses this (false)` : null
  }
  return null
}

/**
 * Merge the organisation layers and the project layers, refusing any project
 * setting that loosens the organisation's. The error names the setting and the
 * file that loosened it.
 */
export function mergeWithFloor(organisation: PolicyLayer[], project: PolicyLayer[]): MergedPolicy {
  const floor = mergeLayers(organisation)
  const merged = mergeLayers([...organisation, ...project])
  if (organisation.length > 0) {
    for (const [key, floorLeaf] of floor.leaves) {
      const projectLeaf = merged.leaves.get(key)
      const setting = displayPath(floorLeaf.path)
      // Only what the organisation wrote is a floor; the embedded default is not.
      if (!projectLeaf || floor.origins.get(setting) === 'default') continue
      const source = merged.origins.get(setting) ?? 'the project policy'
      const problem = loosening(floorLeaf.path, floorLeaf.value, projectLeaf.value)
      if (problem) {
        throw new PolicyError(
          `${setting} in ${source} loosens the organisation policy: ${problem}; a project may only tighten it`,
          'EPOLICYLOOSENS',
        )
      }
    }
  }
  return { policy: merged.policy, origins: merged.origins }
}
