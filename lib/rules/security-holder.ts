import { isSecurityHolder } from '../heuristics/version-signals.js'
import type { Rule } from '../model/rule.js'

export const securityHolderRule: Rule = {
  meta: {
    id: 'security-holder',
    description: 'The registry replaced this package with a security holding package: the real one was removed as malware.',
    defaultSeverity: 'block',
    appliesAtRegistry: true,
    messages: {
      'holding-package': '{name}@{version} is a security holding package: the registry removed the original package as malicious and left this placeholder',
    },
    hints: {
      'holding-package': 'Remove the dependency and check every machine that installed earlier versions of {name} for compromise.',
    },
    needs: () => ({ facts: true }),
  },
  check(pkg, facts) {
    if (pkg.source !== 'registry') return []
    if (!isSecurityHolder(pkg.version, facts.version?.description)) return []
    return [{ messageId: 'holding-package', args: { name: pkg.name, version: pkg.version } }]
  },
}
