import { matchesAny } from '../model/package-pattern.js'
import type { Rule } from '../model/rule.js'

export const provenanceRule: Rule = {
  meta: {
    id: 'provenance',
    description: 'Packages named in provenance.require must carry a provenance attestation and a registry signature that verify.',
    defaultSeverity: 'block',
    messages: {
      missing: '{name}@{version} has no provenance attestation, and the policy requires one for it',
      invalid: '{name}@{version} has provenance or a registry signature that does not verify: {detail}',
      unverified: '{name}@{version}: its provenance could not be checked: {detail}',
    },
    hints: {
      missing: 'Ask the maintainers to publish with --provenance (or from a trusted publisher), or pin a version that has it.',
      invalid: 'Do not install it: a signature that does not verify means the tarball or its metadata is not what was published.',
      unverified: 'Retry with network access to the registry.',
    },
    // Provenance that could not be checked is an unknown like any other.
    severities: { unverified: { setting: 'rules.unverifiable' } },
    needs: (policy) => ({ facts: true, provenance: policy.provenance.require }),
  },
  explain(pkg, facts, { policy }) {
    return {
      required: matchesAny(policy.provenance.require, pkg.name, pkg.version) !== null,
      provenance: facts.provenance ? `${facts.provenance.state}: ${facts.provenance.detail}` : facts.version?.hasProvenance ? 'published (not verified: not required)' : 'none published',
    }
  },
  check(pkg, facts) {
    const provenance = facts.provenance
    if (!provenance || provenance.state === 'verified') return []
    const args = { name: pkg.name, version: pkg.version, detail: provenance.detail }
    if (provenance.state === 'unknown') return [{ messageId: 'unverified', args }]
    return [{ messageId: provenance.state, args }]
  },
}
