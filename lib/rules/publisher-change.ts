import { publisherChange } from '../heuristics/version-signals.js'
import { history } from './version-history.js'
import type { Rule } from '../model/rule.js'

export const publisherChangeRule: Rule = {
  meta: {
    id: 'publisher-change',
    description: 'The account that published this version never published any earlier version of the package.',
    defaultSeverity: 'warn',
    appliesAtRegistry: true,
    messages: {
      'new-publisher': '{name}@{version} was published by "{publisher}", who published none of the {count} earlier versions (earlier publishers: {previous})',
    },
    hints: {
      'new-publisher': 'Check the package\'s changelog or repository for a maintainer handover before trusting this version.',
    },
    needs: () => ({ facts: true }),
  },
  explain(_pkg, facts) {
    const known = history(facts)
    return {
      ...(facts.status === 'known' && !facts.version?.publisher ? { unverifiable: 'the registry records no publisher for this version' } : {}),
      publisher: facts.version?.publisher ?? null,
      earlierVersions: known?.earlier.length ?? 0,
      earlierPublishers: [...new Set((known?.earlier ?? []).map((entry) => entry.publisher).filter((name): name is string => Boolean(name)))].slice(0, 5),
    }
  },
  check(pkg, facts) {
    const known = history(facts)
    if (pkg.source !== 'registry' || !known) return []
    const change = publisherChange(known.current, known.earlier)
    if (!change) return []
    return [
      {
        messageId: 'new-publisher',
        args: {
          name: pkg.name,
          version: pkg.version,
          publisher: change.publisher,
          count: known.earlier.length,
          previous: change.previousPublishers.slice(0, 3).join(', '),
        },
      },
    ]
  },
}
