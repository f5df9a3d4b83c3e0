import type { Rule } from '../model/rule.js'

export const dependencyConfusionRule: Rule = {
  meta: {
    id: 'dependency-confusion',
    description: 'Private names and pinned scopes probed on the public registry: a private name someone claimed publicly is a finding; a free one gets a hint to claim it.',
    defaultSeverity: 'block',
    messages: {
      'claimed-publicly': 'the private {kind} {name} exists on the public registry ({detail}): someone may be waiting for a misrouted install',
      'claim-it': 'the private {kind} {name} is free on the public registry; claim it there so nobody else can',
      'probe-failed': 'the public registry could not be asked about the private {kind} {name}: {detail}',
    },
    hints: {
      'claimed-publicly': 'Make sure {name} can only resolve from your registry (registries.private / registries.scopes and .npmrc); if the public package is yours, add it to dependencyConfusion.claimed.',
      'claim-it': 'Publish a placeholder under the same name (or claim the scope) on the public registry.',
      'probe-failed': 'Retry with network access to the public registry.',
    },
    // A free name is advice and an unanswered probe says nothing about the tree
    // (the registries rule is what keeps a private name on its registry): both warn.
    severities: { 'claim-it': { atMost: 'warn' }, 'probe-failed': { atMost: 'warn' } },
    needs: (policy) => ({ probe: policy.dependencyConfusion.probe ? 'always' : 'on-request' }),
  },
  check() {
    return []
  },
  checkRun({ run, policy }) {
    return run.probes
      .filter((probe) => !(probe.state === 'claimed' && policy.dependencyConfusion.claimed.includes(probe.name)))
      .map((probe) => ({
        messageId: probe.state === 'claimed' ? 'claimed-publicly' : probe.state === 'free' ? 'claim-it' : 'probe-failed',
        args: { name: probe.name, detail: probe.detail, kind: probe.kind === 'scope' ? 'scope' : 'name' },
      }))
  },
}
