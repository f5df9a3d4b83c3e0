// Every rule id the policy may name, with the severity it has when the policy
// is silent. Kept apart from the rule modules so the policy schema can list
// them without loading any rule.
export const RULE_DEFAULT_SEVERITY = {
  registries: 'block',
  packages: 'block',
  'minimum-release-age': 'block',
  'install-scripts': 'warn',
  sources: 'block',
  unverifiable: 'block',
  'known-malware': 'block',
  'security-holder': 'block',
  typosquatting: 'block',
  'dependency-confusion': 'block',
  'suspicious-version': 'block',
  provenance: 'block',
  'trust-downgrade': 'warn',
  'publisher-change': 'warn',
  'new-install-script': 'warn',
  deprecated: 'warn',
  vulnerabilities: 'warn',
} as const

export type RuleId = keyof typeof RULE_DEFAULT_SEVERITY

export const RULE_IDS = Object.keys(RULE_DEFAULT_SEVERITY) as RuleId[]
