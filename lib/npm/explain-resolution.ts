// What Arborist knows about a dependency conflict (ERESOLVE), as the lines a
// user needs to fix it: what was found and who wants it, what could not be
// resolved and who asked. Arborist attaches its explanations (node.explain(),
// edge.explain()) to the error and to its "overriding peer dependency"
// warnings; this turns them into text the way npm's CLI shows them.

interface EdgeExplanation {
  type?: string
  name?: string
  spec?: string
  from?: NodeExplanation
}

interface NodeExplanation {
  name?: string
  version?: string
  location?: string
  isWorkspace?: boolean
  dependents?: EdgeExplanation[]
}

export interface ConflictExplanation {
  current?: NodeExplanation | null
  currentEdge?: EdgeExplanation | null
  edge?: EdgeExplanation | null
  peerConflict?: { current?: NodeExplanation | null; peer?: NodeExplanation | null } | null
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null

const TYPE_PREFIX: Record<string, string> = { prod: '', dev: 'dev ', optional: 'optional ', peer: 'peer ', peerOptional: 'peerOptional ', workspace: 'workspace ' }

function nodeName(node: NodeExplanation | undefined): string {
  if (!node || node.name === undefined) return 'the root project'
  return `${node.name}@${node.version ?? '?'}`
}

function edgeLine(edge: EdgeExplanation): string {
  const prefix = TYPE_PREFIX[edge.type ?? 'prod'] ?? `${edge.type} `
  return `${prefix}${edge.name ?? '?'}@"${edge.spec ?? '*'}" from ${nodeName(edge.from)}`
}

/** Who depends on a node, as npm shows it by default: the first edge, then "N more (names)". */
function dependentLines(dependents: EdgeExplanation[] | undefined, indent: string): string[] {
  const [first, ...rest] = dependents ?? []
  if (!first) return []
  const lines = [`${indent}${edgeLine(first)}`]
  if (rest.length > 0) {
    const names = rest.slice(0, 1).map((edge) => edge.from?.name ?? 'the root project')
    lines.push(`${indent}${rest.length} more (${names.join(', ')}${rest.length > 1 ? ', ...' : ''})`)
  }
  return lines
}

/** A node, where it sits, and who depends on it. */
function nodeLines(node: NodeExplanation, indent = ''): string[] {
  const lines = [`${indent}${nodeName(node)}`]
  if (node.location) lines.push(`${indent}${node.location}`)
  lines.push(...dependentLines(node.dependents, `${indent}  `))
  return lines
}

/** The explanation lines of an ERESOLVE error or warning; empty when Arborist attached none. */
export function explainConflict(explanation: ConflictExplanation): string[] {
  const { current, edge, currentEdge, peerConflict } = explanation
  if (!edge) return []
  const lines: string[] = []
  const resolving = currentEdge?.from ?? edge.from
  if (resolving) lines.push(`While resolving: ${nodeName(resolving)}`)
  if (current) lines.push(`Found: ${nodeLines(current).join('\n')}`)
  else if (currentEdge) lines.push(`Found: ${edgeLine(currentEdge)}`)
  lines.push('', 'Could not resolve dependency:', edgeLine(edge))
  if (edge.from?.location) lines.push(edge.from.location)
  lines.push(...dependentLines(edge.from?.dependents, '  '))
  if (peerConflict?.peer) {
    lines.push('', 'Conflicting peer dependency:', ...nodeLines(peerConflict.peer))
  }
  lines.push('', 'Fix the upstream dependency conflict, or retry with --force or --legacy-peer-deps to accept an incorrect (and potentially broken) dependency resolution.')
  return lines.flatMap((line) => line.split('\n'))
}

/** True for what Arborist attaches to ERESOLVE: an object with an `edge` explanation. */
export function isConflictExplanation(value: unknown): value is ConflictExplanation {
  return isObject(value) && isObject(value.edge) && typeof value.edge.name === 'string'
}
