import { lineage, LINE } from '../heuristics/version-signals.js'
import { history } from './version-history.js'
import type { Rule } from '../model/rule.js'

// Compared with the recent releases (lineage): an account that published the
// line or the package lately is no news, a long-ago handover is no news, and
// a dormant account that comes back after years is.
export const publisherChangeRule: Rule = {
  meta: {
    id: 'publisher-change',
    description: `The account that published this version published none of the recent releases of its line or of the package (the last ${LINE.recentReleases}, and any of the last ${LINE.recentDays} days).`,
    defaultSeverity: 'warn',
    appliesAtRegistry: true,
    messages: {
      'new-publisher': '{name}@{version} was published by "{publisher}", who published none of the {count} recent releases before it (recent publishers: {previous})',
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
    const line = lineage(known.current, known.earlier)
    if (line.publisher !== 'new') return []
    return [
      {
        messageId: 'new-publisher',
        args: {
          name: pkg.name,
          version: pkg.version,
          publisher: known.current.publisher!,
          count: new Set([...line.recent, ...known.earlier.slice(-LINE.recentReleases)]).size,
          previous: line.recentPublishers.slice(0, 3).join(', '),
        },
      },
    ]
  },
}
