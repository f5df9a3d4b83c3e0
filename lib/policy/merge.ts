// Layering of policies (default ← organisation ← project) with a record of
// where each setting came from, and the organisation floor: a project may
// tighten what the organisation set, never loosen it.
import { DEFAULT_POLICY } from './default-policy.js'
import { parseDuration } from '../model/duration.js'
import { PolicyError } from './errors.js'
import type { PolicyDocument } from './schema.js'
import type { EffectivePolicy, PolicyException } from '../model/policy.js'

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
  for (const section of ['registries', 'packages', 'minimumReleaseAge', 'scripts', 'intel', 'typosquatting', 'provenance', 'dependencyConfusion']) {
    tree[section] ??= {}
  }
  tree.intel.osv ??= {}
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
      lockfile: tree.minimumReleaseAge.lockfile,
      allowSecurityFixes: tree.minimumReleaseAge.allowSecurityFixes,
    },
    scripts: { allow: tree.scripts.allow ?? {}, npmAllowScripts: tree.scripts.npmAllowScripts, content: tree.scripts.content },
    sources: tree.sources,
    intel: {
      registryAdvisories: tree.intel.registryAdvisories,
      osv: { enabled: tree.intel.osv.enabled, url: tree.intel.osv.url },
      datasets: tree.intel.datasets ?? [],
      denyLists: tree.intel.denyLists ?? [],
      maxAge: tree.intel.maxAge,
      maxAgeMs: parseDuration(tree.intel.maxAge),
      unreachable: tree.intel.unreachable,
      vulnerabilities: tree.intel.vulnerabilities ?? null,
    },
    typosquatting: { allow: tree.typosquatting.allow ?? [] },
    provenance: { require: tree.provenance.require ?? [] },
    dependencyConfusion: {
      probe: tree.dependencyConfusion.probe,
      publicRegistry: tree.dependencyConfusion.publicRegistry,
      claimed: tree.dependencyConfusion.claimed ?? [],
    },
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

type Comparison =
  | 'severity' // block > warn > off
  | 'reach' // none is stricter than direct, direct than all
  | 'at-least' // a duration that may only grow (release age)
  | 'at-most' // a duration that may only shrink (feed max age)
  | 'keeps-all' // a list whose entries may not be dropped (denials, feeds)
  | 'adds-none' // a list that may not grow (allowed registries, exclusions)
  | 'allow-list' // like adds-none, and may not be emptied (empty means everything)
  | 'same' // a pin that may not change
  | 'stays-on' // a feed the organisation turned on
  | 'stays-false' // an explicit refusal
  | 'threshold' // a vulnerability threshold that may only go down
  | 'lockfile' // hold-back may become block, not the other way

/** How each setting compares with the organisation's; the first matching path prefix wins. */
const COMPARISONS: Array<[string, Comparison]> = [
  ['rules', 'severity'],
  ['minimumReleaseAge.missingTime', 'severity'],
  ['intel.unreachable', 'severity'],
  ['sources', 'reach'],
  ['minimumReleaseAge.age', 'at-least'],
  ['minimumReleaseAge.lockfile', 'lockfile'],
  ['minimumReleaseAge.allowSecurityFixes', 'stays-false'],
  ['intel.maxAge', 'at-most'],
  ['packages.deny', 'keeps-all'],
  ['intel.datasets', 'keeps-all'],
  ['intel.denyLists', 'keeps-all'],
  ['provenance.require', 'keeps-all'],
  ['registries.allowed', 'adds-none'],
  ['minimumReleaseAge.exclude', 'adds-none'],
  ['typosquatting.allow', 'adds-none'],
  ['packages.allow', 'allow-list'],
  ['registries', 'same'],
  ['intel.osv.url', 'same'],
  ['dependencyConfusion.claimed', 'adds-none'],
  ['dependencyConfusion.probe', 'stays-on'],
  ['dependencyConfusion', 'same'],
  ['intel.registryAdvisories', 'stays-on'],
  ['intel.osv.enabled', 'stays-on'],
  ['scripts.content', 'severity'],
  ['scripts', 'stays-false'],
  ['intel.vulnerabilities', 'threshold'],
]

const SEVERITY_RANK: Record<string, number> = { off: 0, warn: 1, block: 2 }
const REACH_RANK: Record<string, number> = { none: 0, direct: 1, all: 2 }
const VULNERABILITY_RANK: Record<string, number> = { low: 0, moderate: 1, high: 2, critical: 3 }

function comparisonFor(path: Path): Comparison | null {
  const dotted = path.join('.')
  return COMPARISONS.find(([prefix]) => dotted === prefix || dotted.startsWith(`${prefix}.`))?.[1] ?? null
}

/** Why `project` loosens `floor` at this path, or null when it does not. */
function loosening(path: Path, floor: Leaf, project: Leaf): string | null {
  const show = (value: Leaf) => JSON.stringify(value)
  const list = (entries: string[]) => entries.map((entry) => show(entry)).join(', ')
  const floorList = Array.isArray(floor) ? floor : []
  const projectList = Array.isArray(project) ? project : []
  const added = projectList.filter((entry) => !floorList.includes(entry))
  const dropped = floorList.filter((entry) => !projectList.includes(entry))
  switch (comparisonFor(path)) {
    case 'severity':
      return SEVERITY_RANK[project as string] < SEVERITY_RANK[floor as string] ? `${show(project)} is weaker than the organisation's ${show(floor)}` : null
    case 'lockfile':
      return project === 'hold-back' && floor === 'block' ? `${show(project)} is weaker than the organisation's ${show(floor)}` : null
    case 'reach':
      return REACH_RANK[project as string] > REACH_RANK[floor as string] ? `${show(project)} allows more than the organisation's ${show(floor)}` : null
    case 'at-least':
      return parseDuration(project as string) < parseDuration(floor as string) ? `${show(project)} is shorter than the organisation's ${show(floor)}` : null
    case 'at-most':
      return parseDuration(project as string) > parseDuration(floor as string) ? `${show(project)} is longer than the organisation's ${show(floor)}` : null
    case 'keeps-all':
      return dropped.length > 0 ? `removes the organisation's ${list(dropped)}` : null
    case 'adds-none':
      return added.length > 0 ? `adds ${list(added)} beyond the organisation's list` : null
    case 'allow-list':
      if (floorList.length === 0) return null
      if (projectList.length === 0) return "drops the organisation's allow list"
      return added.length > 0 ? `adds ${list(added)} beyond the organisation's list` : null
    case 'same':
      return project !== floor ? `changes it to ${show(project)}; the organisation set ${show(floor)}` : null
    case 'stays-on':
      return floor === true && project !== true ? 'turns off what the organisation turned on' : null
    case 'stays-false':
      return floor === false && project !== false ? 'the organisation refuses this (false)' : null
    case 'threshold':
      return VULNERABILITY_RANK[project as string] > VULNERABILITY_RANK[floor as string] ? `${show(project)} reports less than the organisation's ${show(floor)}` : null
    default:
      return null
  }
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
