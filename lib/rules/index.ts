// Every rule the engine runs, in report order. Adding a rule: a module beside
// this file named by its id, and a line in RULES. The ids the policy may name
// and their default severities are read from the rules' own meta.
import { dependencyConfusionRule } from './dependency-confusion.js'
import { deprecatedRule } from './deprecated.js'
import { knownMalwareRule } from './known-malware.js'
import { manifestConfusionRule } from './manifest-confusion.js'
import { typosquattingRule } from './typosquatting.js'
import { vulnerabilitiesRule } from './vulnerabilities.js'
import { installScriptsRule } from './install-scripts.js'
import { minimumReleaseAgeRule } from './minimum-release-age.js'
import { newInstallScriptRule } from './new-install-script.js'
import { packageIdentityRule } from './package-identity.js'
import { packagesRule } from './packages.js'
import { provenanceRule } from './provenance.js'
import { publisherChangeRule } from './publisher-change.js'
import { registriesRule } from './registries.js'
import type { Rule } from '../model/rule.js'
import { securityHolderRule } from './security-holder.js'
import { sourcesRule } from './sources.js'
import { suspiciousVersionRule } from './suspicious-version.js'
import { takeoverRule } from './takeover.js'
import { trustDowngradeRule } from './trust-downgrade.js'
import { unverifiableRule } from './unverifiable.js'

export const RULES: Rule[] = [
  knownMalwareRule,
  manifestConfusionRule,
  registriesRule,
  packageIdentityRule,
  dependencyConfusionRule,
  packagesRule,
  typosquattingRule,
  securityHolderRule,
  suspiciousVersionRule,
  sourcesRule,
  minimumReleaseAgeRule,
  installScriptsRule,
  newInstallScriptRule,
  publisherChangeRule,
  provenanceRule,
  trustDowngradeRule,
  takeoverRule,
  deprecatedRule,
  vulnerabilitiesRule,
  unverifiableRule,
]

export const RULE_IDS: string[] = RULES.map((rule) => rule.meta.id)

/** Rule id → the severity it has when the policy is silent. */
export const RULE_DEFAULT_SEVERITY: Record<string, Rule['meta']['defaultSeverity']> = Object.fromEntries(
  RULES.map((rule) => [rule.meta.id, rule.meta.defaultSeverity]),
)
