import { suspiciousVersionJump } from '../heuristics/version-signals.js'
import { history } from './version-history.js'
import type { Rule } from '../model/rule.js'

const REASONS: Record<string, string> = {
  'first-release-at-99': 'its first release is already at major 99 or more',
  'major-jump-to-99': 'the major version jumped to 99 or more',
  'major-jump-tenfold': 'the major version grew tenfold',
  'nines-placeholder': 'the version is a run of nines no real release reaches',
}

export const suspiciousVersionRule: Rule = {
  meta: {
    id: 'suspicious-version',
    description: 'A version far above every earlier release (99.x, 9.9.9): the classic shape of dependency confusion.',
    defaultSeverity: 'block',
    messages: {
      'version-jump': '{name}@{version}: {reason} (previous highest: {from}), the shape of a dependency-confusion package',
    },
    hints: {
      'version-jump': 'If {name} is one of your private packages, pin its scope or name to your registry (registries.scopes / registries.private).',
    },
    needs: () => ({ facts: true }),
  },
  check(pkg, facts) {
    const known = history(facts)
    if (pkg.source !== 'registry' || !known) return []
    const jump = suspiciousVersionJump(known.current.version, known.earlier.map((entry) => entry.version))
    if (!jump) return []
    return [
      {
        messageId: 'version-jump',
        args: { name: pkg.name, version: pkg.version, reason: REASONS[jump.reason] ?? jump.reason, from: jump.from ?? 'none' },
      },
    ]
  },
}
