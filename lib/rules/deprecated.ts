import type { Rule } from '../model/rule.js'

export const deprecatedRule: Rule = {
  meta: {
    id: 'deprecated',
    description: 'The version is deprecated by its maintainers.',
    defaultSeverity: 'warn',
    appliesAtRegistry: true,
    messages: {
      deprecated: '{name}@{version} is deprecated: {reason}',
    },
    hints: {
      deprecated: 'Move to the replacement its maintainers name, or a supported version.',
    },
    needs: () => ({ facts: true }),
  },
  explain(pkg, facts) {
    return { deprecated: facts.version?.deprecated ?? pkg.deprecated ?? false }
  },
  check(pkg, facts) {
    const reason = facts.version?.deprecated ?? pkg.deprecated
    if (!reason) return []
    return [{ messageId: 'deprecated', args: { name: pkg.name, version: pkg.version, reason } }]
  },
}
