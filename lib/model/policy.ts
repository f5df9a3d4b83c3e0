import type { Severity } from './rule.js'

/** How far into the tree an exotic source (git, remote, file, directory) may appear. */
export type SourceReach = 'none' | 'direct' | 'all'

export interface PolicyException {
  package: string
  rule: string
  reason: string
  expires?: string
  /** Where the exception was written. */
  source: string
}

/** The policy after defaults, extends and the organisation floor are applied. */
export interface EffectivePolicy {
  /** Rule id → severity, for every rule the engine knows. */
  rules: Record<string, Severity>
  registries: {
    /** null: the registries npm is configured with. */
    allowed: string[] | null
    scopes: Record<string, string>
    private: Record<string, string>
  }
  packages: { deny: string[]; allow: string[] }
  minimumReleaseAge: {
    age: string
    ageMs: number
    exclude: string[]
    missingTime: 'block' | 'warn'
    lockfile: 'hold-back' | 'block'
    /** A too-young version that is the named fix of an advisory against the version it replaces passes with a warning. */
    allowSecurityFixes: boolean
  }
  scripts: {
    allow: Record<string, boolean>
    npmAllowScripts: boolean
    /** The severity of an unreviewed install script whose text shows a dropper shape. */
    content: Severity
  }
  sources: { git: SourceReach; remote: SourceReach; file: SourceReach; directory: SourceReach }
  intel: {
    registryAdvisories: boolean
    osv: { enabled: boolean; url: string }
    datasets: string[]
    denyLists: string[]
    maxAge: string
    maxAgeMs: number
    unreachable: 'block' | 'warn'
    vulnerabilities: 'low' | 'moderate' | 'high' | 'critical' | null
  }
  typosquatting: { allow: string[] }
  provenance: { require: string[] }
  dependencyConfusion: { probe: boolean; publicRegistry: string; claimed: string[] }
  exceptions: PolicyException[]
}
