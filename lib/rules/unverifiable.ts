import type { Rule } from '../model/rule.js'

// Unknown is not safe: a package whose registry facts could not be learned is
// reported, and the policy decides whether that blocks.
export const unverifiableRule: Rule = {
  meta: {
    id: 'unverifiable',
    description: 'Packages whose registry facts (publish time, publisher, scripts) could not be learned.',
    defaultSeverity: 'block',
    messages: {
      'facts-unavailable': '{name}@{version} could not be verified: {reason}',
    },
    hints: {
      'facts-unavailable': 'Check the registry is reachable and try again; the other rules could not judge this package.',
    },
    needs: () => ({ facts: true }),
  },
  check(pkg, facts) {
    if (facts.status !== 'unverifiable') return []
    return [{ messageId: 'facts-unavailable', args: { name: pkg.name, version: pkg.version, reason: facts.reason ?? 'unknown reason' } }]
  },
}
