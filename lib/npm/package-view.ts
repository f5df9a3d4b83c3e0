// The one adapter between Arborist's Node and what rules see (PackageView).
// An Arborist upgrade should only touch this file and arborist-session.ts.
import { isUnder, parseRegistryTarball } from '../model/registry-url.js'
import type { PackageView, SourceKind } from '../model/rule.js'
import { checkNodeData } from './registry-data.js'
import { requireCommonJs } from '../model/commonjs.js'

const { checkPlatform }: typeof import('npm-install-checks') = requireCommonJs('npm-install-checks')
const npa: typeof import('npm-package-arg') = requireCommonJs('npm-package-arg')

/**
 * A spec made only of digits, dots, x/X/*, spaces and the range operators,
 * not starting with a dot (`^1.2.3`, `~1.2`, `>=1 <2 || 3.x`, `*`, ``):
 * npm-package-arg can only call it a registry range, version or tag (a path
 * starts with `.`, `/`, `~/` or `file:`; an alias, URL or git spec needs other
 * letters, `/` or `:`), so its costly parse is skipped for most edges.
 */
const PLAIN_RANGE = /^(?!\.)[\d.xX*^~<>=| -]*$/

/**
 * Whether any package of the tree bundles dependencies: Arborist's `inBundle`
 * walks up from every node to find a bundleDependencies list, so a tree with
 * none (nearly every tree) skips that walk.
 */
export function treeHasBundles(tree: any): boolean {
  for (const node of tree.inventory.values()) {
    const bundled = node.package?.bundleDependencies
    if (Array.isArray(bundled) && bundled.length > 0) return true
  }
  return false
}

/** Which kind of source an edge spec / resolved URL names. `hasBundles`: false when treeHasBundles() said the tree has none. */
export function sourceKind(node: any, registries: string[], hasBundles = true): SourceKind {
  if (node.isProjectRoot || node.isRoot) return 'root'
  if (node.isWorkspace || node.target?.isWorkspace) return 'workspace'
  if (node.isLink) return 'directory'
  if (hasBundles && node.inBundle) return 'bundled'
  const resolved: string | null = typeof node.resolved === 'string' ? node.resolved : null
  for (const edge of node.edgesIn ?? []) {
    const raw = edge.rawSpec ?? edge.spec ?? '*'
    if (typeof raw === 'string' && PLAIN_RANGE.test(raw)) continue
    try {
      const spec = npa.resolve(edge.name, raw, edge.from?.realpath)
      const type = spec.type === 'alias' ? (spec as any).subSpec?.type : spec.type
      if (type === 'git') return 'git'
      if (type === 'remote') return 'remote'
      if (type === 'file') return 'file'
      if (type === 'directory') return 'directory'
    } catch {
      // an unparsable spec is judged by its resolved URL below
    }
  }
  if (!resolved) return 'registry'
  if (/^git(\+|:)|^github:|^gitlab:|^bitbucket:/.test(resolved)) return 'git'
  if (resolved.startsWith('file:')) return 'file'
  // A tarball URL that is not under a configured registry path and does not
  // have the registry tarball shape is a remote tarball.
  if (/^https?:/.test(resolved) && !/\/-\/[^/]+\.tgz$/.test(resolved) && !registries.some((registry) => isUnder(resolved, registry))) {
    return 'remote'
  }
  return 'registry'
}

const isFromProject = (edge: any): boolean => Boolean(edge.from?.isProjectRoot || edge.from?.isWorkspace || edge.from?.isRoot)

/** npm's own platform check (os, cpu, libc), as Arborist marks optional packages it will not install. */
function isForOtherPlatform(manifest: Record<string, unknown>): boolean {
  try {
    checkPlatform(manifest, false)
    return false
  } catch {
    return true
  }
}

/** A node's name when it is a string (the schema below reports it when not). */
const nameOf = (node: any): string =>
  typeof node.packageName === 'string' && node.packageName ? node.packageName : typeof node.name === 'string' ? node.name : ''

/**
 * The shortest dependency path from the root to every node reachable from it,
 * as `npm explain` shows: a breadth-first walk over the edges out, through
 * links to workspaces and folders. Computed once per tree.
 */
export function shortestDependencyPaths(root: any): Map<any, string[]> {
  const paths = new Map<any, string[]>([[root, [nameOf(root) || 'root']]])
  const queue: any[] = [root]
  for (let index = 0; index < queue.length; index++) {
    const from = queue[index]
    const path = paths.get(from)!
    for (const edge of from.edgesOut?.values() ?? []) {
      const to = edge.to
      if (!to || paths.has(to)) continue
      const next = [...path, nameOf(to)]
      paths.set(to, next)
      // A link and the folder it points at share one path; the folder's edges lead on.
      if (to.isLink && to.target && !paths.has(to.target)) paths.set(to.target, next)
      queue.push(to.isLink && to.target ? to.target : to)
    }
  }
  return paths
}

/** Names from the root to the node, following the shallowest edge in (and through links to workspaces and folders): for nodes no path from the root reaches. */
export function dependencyPath(node: any): string[] {
  const names: string[] = []
  const seen = new Set<any>()
  let current = node
  while (current && !seen.has(current)) {
    seen.add(current)
    if (current.isProjectRoot || current.isRoot) {
      names.unshift(nameOf(current) || 'root')
      break
    }
    let edges = [...(current.edgesIn ?? [])].filter((edge: any) => edge.from)
    // A workspace or linked folder is reached through its link.
    if (edges.length === 0 && current.linksIn?.size > 0) edges = [...current.linksIn].flatMap((link: any) => [...link.edgesIn]).filter((edge: any) => edge.from)
    names.unshift(nameOf(current))
    edges.sort((a: any, b: any) => a.from.depth - b.from.depth)
    const from = edges[0]?.from
    current = from?.isLink ? from.target : from
  }
  return names
}

/** The package name an edge asks for: the edge's own name, or the target of an npm alias (with overrides applied). */
function requestedName(edge: any): string {
  const raw = edge.spec ?? edge.rawSpec ?? '*'
  if (typeof raw === 'string' && PLAIN_RANGE.test(raw)) return edge.name
  try {
    const spec = npa.resolve(edge.name, raw, edge.from?.realpath)
    if (spec.type === 'alias' && (spec as any).subSpec?.name) return (spec as any).subSpec.name
  } catch {
    // an unparsable spec asks for the edge's name
  }
  return edge.name
}

type Identity = Pick<PackageView, 'name' | 'version' | 'folderName' | 'claimedName' | 'claimedVersion' | 'requestedNames'>

/**
 * Who the package is. The bytes installed are the resolved tarball's, so a
 * registry package is named by its tarball URL; what the lockfile or the
 * manifest claims, the folder and the names the edges ask for are kept beside
 * it for the package-identity rule to compare.
 */
function identityOf(node: any, source: SourceKind, claimedName: string, claimedVersion: string): Identity {
  const tarball = source === 'registry' && typeof node.resolved === 'string' ? parseRegistryTarball(node.resolved) : null
  const location: string = typeof node.location === 'string' ? node.location : ''
  const marker = location.lastIndexOf('node_modules/')
  return {
    name: tarball?.name ?? claimedName,
    version: tarball?.version ?? claimedVersion,
    folderName: marker === -1 ? node.name : location.slice(marker + 'node_modules/'.length),
    claimedName,
    claimedVersion,
    requestedNames: [...new Set([...(node.edgesIn ?? [])].map(requestedName))],
  }
}

/** Where a node's edges out lead (a link's are its target's): the locations of the nodes they resolve to. */
function dependencyLocations(node: any): string[] {
  const from = node.isLink && node.target ? node.target : node
  const locations: string[] = []
  for (const edge of from.edgesOut?.values() ?? []) {
    const location = edge.to?.location
    if (typeof location === 'string' && !locations.includes(location)) locations.push(location)
  }
  return locations
}

/** Where a package's own dependencies and optionalDependencies resolved in the tree: name → location (links followed). */
function ownDependencyLocations(node: any): Record<string, string> {
  const locations: Record<string, string> = {}
  for (const edge of node.edgesOut?.values() ?? []) {
    const to = edge.to?.isLink ? edge.to.target : edge.to
    if ((edge.type === 'prod' || edge.type === 'optional') && typeof to?.location === 'string') locations[edge.name] = to.location
  }
  return locations
}

/** Longer than any SPDX expression a package uses; a longer value is not kept. */
const MAX_LICENSE_LENGTH = 512

/** `locked`: location → version of the entries read from package-lock.json. */
export function toPackageView(
  node: any,
  registries: string[],
  locked: Map<string, string>,
  paths?: Map<any, string[]>,
  hasBundles = true,
): PackageView {
  const manifest = node.package !== null && typeof node.package === 'object' ? node.package : {}
  // Everything read from the node goes through the one schema: a field of the
  // wrong type is dropped and named, and the package becomes unverifiable.
  const { data, problems } = checkNodeData({
    name: node.packageName ?? node.name,
    version: node.version ?? manifest.version ?? '',
    location: node.location,
    resolved: node.resolved,
    integrity: node.integrity,
    scripts: manifest.scripts,
    deprecated: manifest.deprecated,
    gypfile: manifest.gypfile,
  })
  const edgesIn = [...(node.edgesIn ?? [])]
  const isDirect = edgesIn.some(isFromProject)
  const specOf = (edge: any): string | null => (typeof edge?.rawSpec === 'string' ? edge.rawSpec : null)
  const firstSpec = specOf(edgesIn.find(isFromProject)) ?? specOf(edgesIn[0])
  const scripts = data.scripts ?? {}
  const source = sourceKind(node, registries, hasBundles)
  const identity = identityOf(node, source, data.name, data.version)
  // One object literal without spreads: V8 builds a spread literal of this size
  // through its slow path, which cost more than everything else here together.
  const view: PackageView = {
    // name and version are the tarball's; the claims, folder and names asked for come beside them
    name: identity.name,
    version: identity.version,
    folderName: identity.folderName,
    claimedName: identity.claimedName,
    claimedVersion: identity.claimedVersion,
    requestedNames: identity.requestedNames,
    location: data.location,
    resolved: data.resolved ?? null,
    integrity: data.integrity ?? null,
    source,
    isDirect,
    path: paths?.get(node) ?? dependencyPath(node),
    spec: firstSpec,
    isFromLockfile: locked.get(data.location) === data.version,
    isDev: Boolean(node.dev),
    isOptional: Boolean(node.optional),
    scripts,
    hasInstallScript: Boolean(node.hasInstallScript),
    hasBindingGyp: Boolean(data.gypfile) || scripts.install === 'node-gyp rebuild',
    dependsOn: dependencyLocations(node),
    dependencyLocations: ownDependencyLocations(node),
    requestedRanges: edgesIn
      .filter((edge: any) => !isFromProject(edge))
      .map(specOf)
      .filter((spec): spec is string => spec !== null),
    projectRange: specOf(edgesIn.find(isFromProject)),
    deprecated: data.deprecated ? data.deprecated : null,
  }
  if (node.optional && isForOtherPlatform(manifest)) view.isForOtherPlatform = true
  // Old manifests wrote an object or a `licenses` list: only a string is kept (nothing judges it, so nothing is a problem).
  if (typeof manifest.license === 'string' && manifest.license.trim() !== '' && manifest.license.length <= MAX_LICENSE_LENGTH) view.license = manifest.license.trim()
  if (problems.length > 0) view.dataProblems = problems
  return view
}
