import { TyposquatIndex } from '../heuristics/typosquat-index.js'
import { isTypedOnCommandLine, matchesName } from '../model/package-pattern.js'
import type { Rule } from '../model/rule.js'

const TECHNIQUES: Record<string, string> = {
  'delimiter-variant': 'the same name with other delimiters',
  homoglyph: 'look-alike characters',
  'scope-confusion': 'a scope folded into the name, or the name moved into a scope',
  'swapped-characters': 'two characters swapped',
  'doubled-character': 'a doubled character',
  'omitted-character': 'a character left out',
  'edit-distance': 'a near spelling',
  affix: 'a common prefix or suffix added',
  'number-appended': 'a number appended',
}

// Built on first use (about 80 ms for the popular-package dataset), once per process.
let index: TyposquatIndex | null = null

export const typosquattingRule: Rule = {
  meta: {
    id: 'typosquatting',
    description: 'A name one slip from a popular package (npm-high-impact): transpositions, omitted or doubled characters, delimiters, look-alike characters, scope confusion, affixes.',
    defaultSeverity: 'block',
    appliesAtRegistry: true,
    messages: {
      imitates: '{name}@{version} looks like the popular package "{imitates}" ({technique})',
    },
    hints: {
      imitates: '{fix} If {name} is genuine, add it to typosquatting.allow.',
    },
  },
  explain(pkg, _facts, { policy }) {
    index ??= TyposquatIndex.fromPopular()
    return {
      popular: index.isPopular(pkg.name),
      nearestPopular: index.nearest(pkg.name),
      allowed: policy.typosquatting.allow.some((pattern) => matchesName(pattern, pkg.name)),
    }
  },
  check(pkg, _facts, { policy, requestedOnCommandLine = [] }) {
    if (pkg.source !== 'registry') return []
    if (policy.typosquatting.allow.some((pattern) => matchesName(pattern, pkg.name))) return []
    index ??= TyposquatIndex.fromPopular()
    const match = index.check(pkg.name)
    if (!match) return []
    return [
      {
        messageId: 'imitates',
        args: {
          name: pkg.name,
          version: pkg.version,
          imitates: match.imitates,
          technique: TECHNIQUES[match.technique] ?? match.technique,
          fix: isTypedOnCommandLine(pkg, requestedOnCommandLine)
            ? `You typed ${pkg.name}; did you mean ${match.imitates}?`
            : `If you meant ${match.imitates}, fix the name in ${pkg.isDirect ? 'package.json' : `the package that depends on it (${pkg.path?.at(-2) ?? 'its parent'})`}.`,
        },
      },
    ]
  },
}
