import type { Rule } from '../model/rule.js'

const RANK: Record<string, number> = { low: 0, moderate: 1, high: 2, critical: 3 }

export const vulnerabilitiesRule: Rule = {
  meta: {
    id: 'vulnerabilities',
    description: 'Known vulnerabilities (not malware) at or above intel.vulnerabilities; off unless that threshold is set.',
    defaultSeverity: 'warn',
    appliesAtRegistry: true,
    messages: {
      vulnerable: '{name}@{version} has a {severity} vulnerability: {summary} ({id})',
    },
    hints: {
      vulnerable: 'Update to a fixed version (npm audit shows which).',
    },
    needs: (policy) => ({ facts: true, advisories: policy.intel.vulnerabilities !== null }),
  },
  explain(_pkg, facts, { policy }) {
    return {
      threshold: policy.intel.vulnerabilities ?? 'off',
      advisories: (facts.advisories ?? []).filter((advisory) => !advisory.isMalware).map((advisory) => `${advisory.id} (${advisory.severity ?? 'unknown'})`),
    }
  },
  check(pkg, facts, { policy }) {
    const threshold = policy.intel.vulnerabilities
    if (!threshold) return []
    return (facts.advisories ?? [])
      .filter((advisory) => !advisory.isMalware && advisory.severity !== undefined && (RANK[advisory.severity] ?? 3) >= RANK[threshold])
      .map((advisory) => ({
        messageId: 'vulnerable',
        args: { name: pkg.name, version: pkg.version, severity: advisory.severity!, summary: advisory.summary, id: advisory.id },
      }))
  },
}
