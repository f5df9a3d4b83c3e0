import { lineage, versionJumpOver } from '../heuristics/version-signals.js'
import { matchesName } from '../model/package-pattern.js'
import { highestEarlier, history } from './version-history.js'
import type { Rule } from '../model/rule.js'

const REASONS: Record<string, string> = {
  'first-release-at-99': 'its first release is already at major 99 or more',
  'major-jump-to-99': 'the major version jumped to 99 or more',
  'major-jump-tenfold': 'the major version grew tenfold',
  'nines-placeholder': 'the version is a run of nines no real release reaches',
}

// A jump alone is not the dependency-confusion shape: long-lived packages move
// to browser-style numbers (chromium-bidi 17 → 157). What makes it suspicious
// is a jump with no matching history, on a private name, or with the people or
// provenance of the recent releases gone.
export const suspiciousVersionRule: Rule = {
  meta: {
    id: 'suspicious-version',
    description: 'A version far above every earlier release (99.x, 9.9.9) without the history of an established package: the classic shape of dependency confusion.',
    defaultSeverity: 'block',
    appliesAtRegistry: true,
    messages: {
      'version-jump': '{name}@{version}: {reason} (previous highest: {from}) {why}, the shape of a dependency-confusion package',
      'version-jump-unconfirmed': '{name}@{version}: {reason} (previous highest: {from}); {name} has an established history, but the registry does not say who published it, so continuity cannot be confirmed',
    },
    hints: {
      'version-jump': 'If {name} is one of your private packages, pin its scope or name to your registry (registries.scopes / registries.private).',
      'version-jump-unconfirmed': 'Check the release notes of {name}; a registry that records publishers (_npmUser) lets safe-npm confirm it.',
    },
    severities: { 'version-jump-unconfirmed': { atMost: 'warn' } },
    needs: () => ({ facts: true }),
  },
  explain(_pkg, facts) {
    return { earlierReleases: history(facts)?.earlier.length ?? null }
  },
  check(pkg, facts, { policy }) {

    const known = history(facts)
    if (pkg.source !== 'registry' || !known) return []
    const jump = versionJumpOver(known.current.version, highestEarlier(known))
    if (!jump) return []
    const args = { name: pkg.name, version: pkg.version, reason: REASONS[jump.reason] ?? jump.reason, from: jump.from ?? 'none' }
    const scope = pkg.name.startsWith('@') ? pkg.name.split('/')[0] : null
    const isPrivate = (scope !== null && scope in policy.registries.scopes) || Object.keys(policy.registries.private).some((pattern) => matchesName(pattern, pkg.name))
    const line = lineage(known.current, known.earlier)
    const why = isPrivate
      ? 'on a private name'
      : !line.isEstablished
        ? 'without the history of an established package'
        : line.publisher === 'new'
          ? 'published by an account that published none of its recent releases'
          : line.hasLostProvenance
            ? 'without the provenance its recent releases had'
            : null
    if (why) return [{ messageId: 'version-jump', args: { ...args, why } }]
    return line.publisher === 'unknown' ? [{ messageId: 'version-jump-unconfirmed', args }] : []
  },
}
