import type { Rule } from '../model/rule.js'

const EXOTIC = ['git', 'remote', 'file', 'directory'] as const

export const sourcesRule: Rule = {
  meta: {
    id: 'sources',
    description: 'Git, remote tarball, local file and directory dependencies appear only where the policy allows them.',
    defaultSeverity: 'block',
    messages: {
      'source-not-allowed': '{name}@{version} comes from a {kind} source ({resolved}), which the policy does not allow',
      'transitive-source': '{name}@{version} comes from a {kind} source ({resolved}) deep in the tree; the policy allows {kind} sources only as direct dependencies',
    },
    hints: {
      'source-not-allowed': 'Depend on a registry version instead, or set sources.{kind} in the policy.',
      'transitive-source': 'Ask the maintainer of {parent} to publish to the registry, or set sources.{kind} to "all".',
    },
  },
  explain(pkg) {
    return { source: pkg.source, resolved: pkg.resolved }
  },
  check(pkg, _facts, { policy }) {
    const kind = EXOTIC.find((candidate) => candidate === pkg.source)
    if (!kind) return []
    const reach = policy.sources[kind]
    const args = {
      name: pkg.name,
      version: pkg.version,
      kind,
      resolved: pkg.resolved ?? pkg.spec ?? 'unknown',
      parent: pkg.path[pkg.path.length - 2] ?? 'its parent',
    }
    if (reach === 'none') return [{ messageId: 'source-not-allowed', args }]
    if (reach === 'direct' && !pkg.isDirect) return [{ messageId: 'transitive-source', args }]
    return []
  },
}
