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
      'facts-not-cached': '{name}@{version} could not be verified offline: neither safe-npm nor npm has its registry facts cached ({reason})',
      'optional-unavailable': 'the optional package {name} could not be resolved from the registry, so npm will skip it: {reason}',
    },
    hints: {
      'facts-unavailable': 'Check the registry is reachable and try again; the other rules could not judge this package.',
      'facts-not-cached': 'Run safe-npm once online (without --offline) so that its facts are kept; the other rules could not judge this package.',
      'optional-unavailable': 'Nothing of it is installed here; a registry that serves it (or another platform) gets it judged in full.',
    },
    // An optional dependency npm could not resolve is never installed: nothing unknown reaches the disk.
    severities: { 'optional-unavailable': { atMost: 'warn' } },
    needs: () => ({ facts: true }),
  },
  explain(_pkg, facts) {
    return { registryFacts: facts.status, ...(facts.reason ? { reason: facts.reason } : {}) }
  },
  check(pkg, facts) {
    if (facts.status !== 'unverifiable') return []
    if (pkg.isOptional && pkg.version === '') {
      return [{ messageId: 'optional-unavailable', args: { name: pkg.name, reason: facts.reason ?? 'unknown reason' } }]
    }
    // --offline, and nothing cached answers (fetch-jobs.ts): no registry was asked, so none is to blame.
    if (/\bENOTCACHED\b/.test(facts.reason ?? '')) return [{ messageId: 'facts-not-cached', args: { name: pkg.name, version: pkg.version, reason: facts.reason ?? '' } }]
    return [{ messageId: 'facts-unavailable', args: { name: pkg.name, version: pkg.version, reason: facts.reason ?? 'unknown reason' } }]
  },
}
