import type { TyposquatIndex } from '../heuristics/typosquat-index.js'
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
  'omitted-word': 'a word of the name left out',
}

// Built once per process in prepare() (about 80 ms for the popular-package dataset,
// whose module alone takes 15–30 ms to load): not at all in a run that judges nothing.
let index: TyposquatIndex | null = null

function built(): TyposquatIndex {
  if (!index) throw new Error('the typosquatting rule was asked to judge before prepare()')
  return index
}

export const typosquattingRule: Rule = {
  meta: {
    id: 'typosquatting',
    description: 'A name one slip from a popular package (npm-high-impact): transpositions, omitted or doubled characters, omitted words, delimiters, look-alike characters, scope confusion, affixes.',
    defaultSeverity: 'block',
    appliesAtRegistry: true,
    messages: {
      imitates: '{name}@{version} looks like the popular package "{imitates}" ({technique})',
    },
    hints: {
      imitates: '{fix} If {name} is genuine, add it to typosquatting.allow.',
    },
  },
  async prepare() {
    if (index) return
    const { TyposquatIndex } = await import('../heuristics/typosquat-index.js')
    index ??= TyposquatIndex.fromPopular()
  },
  explain(pkg, _facts, { policy }) {
    return {
      popular: built().isPopular(pkg.name),
      // The name it imitates first (an affix or a glued word is no near spelling), then the near spellings.
      nearestPopular: [...new Set([built().check(pkg.name)?.imitates, ...built().nearest(pkg.name)].filter((name): name is string => name !== undefined))],
      allowed: policy.typosquatting.allow.some((pattern) => matchesName(pattern, pkg.name)),
    }
  },
  check(pkg, _facts, { policy, requestedOnCommandLine = [] }) {
    if (pkg.source !== 'registry') return []
    if (policy.typosquatting.allow.some((pattern) => matchesName(pattern, pkg.name))) return []
    const match = built().check(pkg.name)
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
