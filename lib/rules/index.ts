// Every rule the engine runs, in report order. Adding a rule: a module beside
// this file named by its id, its id and default severity in ids.ts, and a line here.
import { installScriptsRule } from './install-scripts.js'
import { minimumReleaseAgeRule } from './minimum-release-age.js'
import { packagesRule } from './packages.js'
import { registriesRule } from './registries.js'
import type { Rule } from './rule.js'
import { sourcesRule } from './sources.js'
import { unverifiableRule } from './unverifiable.js'

export const RULES: Rule[] = [
  registriesRule,
  packagesRule,
  sourcesRule,
  minimumReleaseAgeRule,
  installScriptsRule,
  unverifiableRule,
]
