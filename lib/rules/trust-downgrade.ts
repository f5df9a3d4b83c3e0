import { LINE, recentOfLine, trustDowngrade } from '../heuristics/version-signals.js'
import { history } from './version-history.js'
import type { Rule } from '../model/rule.js'

const SIGNAL_NAMES: Record<string, string> = {
  provenance: 'a provenance attestation',
  'trusted-publisher': 'publication by a trusted publisher (OIDC)',
}

export const trustDowngradeRule: Rule = {
  meta: {
    id: 'trust-downgrade',
    description: `This version has weaker evidence of where it came from (no provenance, no trusted publisher) than the recent releases of its line had (same major; the last ${LINE.recentReleases} and any of the last ${LINE.recentDays} days).`,
    defaultSeverity: 'warn',
    appliesAtRegistry: true,
    messages: {
      'lost-signal': '{name}@{version} lacks {signal}, which {lastVersionWith} had',
    },
    hints: {
      'lost-signal': 'A release published outside the package\'s usual CI may come from a stolen token: compare it with {lastVersionWith}.',
    },
    needs: () => ({ facts: true }),
  },
  explain(_pkg, facts) {
    const known = history(facts)
    return {
      provenance: facts.version?.hasProvenance ?? null,
      trustedPublisher: facts.version?.hasTrustedPublisher ?? null,
      earlierWithProvenance: known ? known.earlier.filter((entry) => entry.hasProvenance).length : 0,
    }
  },
  check(pkg, facts) {
    const known = history(facts)
    if (pkg.source !== 'registry' || !known) return []
    // Only the recent releases of the same line: an old major built elsewhere, or
    // provenance given up long ago, is not a downgrade of this release (pnpm's
    // no-downgrade is turned off for exactly those false alarms).
    return trustDowngrade(known.current, recentOfLine(known.current, known.earlier)).map((downgrade) => ({
      messageId: 'lost-signal',
      args: {
        name: pkg.name,
        version: pkg.version,
        signal: SIGNAL_NAMES[downgrade.signal] ?? downgrade.signal,
        lastVersionWith: `${pkg.name}@${downgrade.lastVersionWith}`,
      },
    }))
  },
}
