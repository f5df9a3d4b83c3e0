import type { PolicyDocument } from './schema.js'
import { RULE_DEFAULT_SEVERITY } from '../rules/index.js'

/**
 * The policy that applies when a project has none. Secure enough to be worth
 * running (registry pinning, a three-day release age, no unreviewed install
 * scripts, exotic sources only where package.json names them, unknown facts
 * block) and quiet enough for an ordinary project: resolution already prefers
 * versions older than the age limit, so only exact pins and lockfile entries
 * younger than three days are blocked.
 */
export const DEFAULT_POLICY: Required<Omit<PolicyDocument, '$schema' | 'extends'>> = {
  rules: { ...RULE_DEFAULT_SEVERITY },
  registries: { scopes: {}, private: {} },
  packages: { deny: [], allow: [] },
  minimumReleaseAge: { age: '3d', exclude: [], missingTime: 'block', lockfile: 'hold-back', allowSecurityFixes: false },
  scripts: { allow: {}, npmAllowScripts: true, content: 'block' },
  sources: { git: 'direct', remote: 'direct', file: 'direct', directory: 'direct' },
  intel: {
    registryAdvisories: true,
    osv: { enabled: false, url: 'https://api.osv.dev/' },
    datasets: [],
    denyLists: [],
    maxAge: '1d',
    unreachable: 'warn',
  },
  typosquatting: { allow: [] },
  provenance: { require: [] },
  dependencyConfusion: { probe: false, publicRegistry: 'https://registry.npmjs.org/', claimed: [] },
  exceptions: [],
}
