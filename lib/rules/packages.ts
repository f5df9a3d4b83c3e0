import { matchesAny } from '../model/package-pattern.js'
import type { Rule } from '../model/rule.js'

export const packagesRule: Rule = {
  meta: {
    id: 'packages',
    description: 'Packages on the deny list are never installed; with an allow list, only packages on it are.',
    defaultSeverity: 'block',
    appliesAtRegistry: true,
    messages: {
      denied: '{name}@{version} is denied by the policy ("{pattern}")',
      'not-allowed': '{name}@{version} is not on the policy\'s allow list',
    },
    hints: {
      denied: 'Remove the dependency, or pick a version outside the denied range.',
      'not-allowed': 'Ask for the package to be reviewed and added to packages.allow.',
    },
  },
  explain(pkg, _facts, { policy }) {
    return {
      denyList: policy.packages.deny.length,
      denied: matchesAny(policy.packages.deny, pkg.name, pkg.version) ?? false,
      allowList: policy.packages.allow.length > 0 ? (matchesAny(policy.packages.allow, pkg.name, pkg.version) ?? false) : 'none (everything not denied)',
    }
  },
  check(pkg, _facts, { policy }) {
    const denial = matchesAny(policy.packages.deny, pkg.name, pkg.version)
    if (denial) return [{ messageId: 'denied', args: { name: pkg.name, version: pkg.version, pattern: denial } }]
    if (policy.packages.allow.length > 0 && !matchesAny(policy.packages.allow, pkg.name, pkg.version)) {
      return [{ messageId: 'not-allowed', args: { name: pkg.name, version: pkg.version } }]
    }
    return []
  },
}
