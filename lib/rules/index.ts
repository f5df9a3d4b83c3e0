// Every rule the engine runs, in report order. Adding a rule: a module beside
// this file named by its id, its id and default severity in ids.ts, and a line here.
import { dependencyConfusionRule } from './dependency-confusion.js'
import { deprecatedRule } from './deprecated.js'
import { knownMalwareRule } from './known-malware.js'
import { typosquattingRule } from './typosquatting.js'
import { vulnerabilitiesRule } from './vulnerabilities.js'
import { installScriptsRule } from './install-scripts.js'
import { minimumReleaseAgeRule } from './minimum-release-age.js'
import { newInstallScriptRule } from './new-install-script.js'
import { packagesRule } from './packages.js'
import { provenanceRule } from './provenance.js'
import { publisherChangeRule } from './publisher-change.js'
import { registriesRule } from './registries.js'
import type { Rule } from './rule.js'
import { securityHolderRule } from './security-holder.js'
import { sourcesRule } from './sources.js'
import { suspiciousVersionRule } from './suspicious-version.js'
import { trustDowngradeRule } from './trust-downgrade.js'
import { unverifiableRule } from './unverifiable.js'

export const RULES: Rule[] = [
  knownMalwareRule,
  registriesRule,
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
  deprecatedRule,
  vulnerabilitiesRule,
  unverifiableRule,
]
