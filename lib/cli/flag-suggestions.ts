// Typos in options. npm accepts an option it does not know (it warns, and the
// option does nothing), so `install --save-deV x` saves to dependencies; and
// it takes an unknown option's next word as a positional, so `--polciy x.json`
// would install a package named x.json. An option close to one of safe-npm's
// own is therefore a usage error with a suggestion; one close to npm's keeps
// npm's own warning and gets a suggestion line under it.
import { UsageError } from '../errors.js'
import { damerauLevenshtein } from '../heuristics/string-distance.js'
import type { UnknownNpmFlag } from '../npm/npm-command-line.js'
import { NPM_OPTION_NAMES } from '../npm/npm-command-line.js'
import { OWN_OPTION_NAMES } from './args.js'

/** How far a typo may be from the name it means: one edit for short names, two from six characters on. */
const allowedDistance = (name: string) => (name.length >= 6 ? 2 : 1)

/**
 * The closest of these option names to the flag as typed (case aside), or
 * null when none is near: within the edit distance above, or the typed word
 * is a start of the name of at least four characters (`--org-pol`).
 */
export function closestOption(flag: string, names: readonly string[]): string | null {
  const typed = flag.replace(/^--?(no-)?/, '').toLowerCase()
  if (typed === '') return null
  let best: { name: string; distance: number } | null = null
  for (const name of names) {
    const limit = allowedDistance(name)
    const distance = typed.length >= 4 && name.startsWith(typed) ? 0.5 : damerauLevenshtein(typed, name, limit)
    if (distance <= limit && (best === null || distance < best.distance)) best = { name, distance }
  }
  return best ? `--${best.name}` : null
}

/**
 * The verdict on the flags npm's parser did not know: a UsageError for the
 * first one close to a safe-npm option, else one suggestion line per flag
 * close to an npm option (npm's own warning is printed separately).
 */
export function judgeUnknownFlags(unknown: readonly UnknownNpmFlag[]): { error: UsageError | null; suggestions: string[] } {
  const suggestions: string[] = []
  for (const { flag, expandsTo } of unknown) {
    const own = closestOption(flag, OWN_OPTION_NAMES)
    // `--lockfile=false`, `--no-probe`: safe-npm's own name in a form only npm's options have.
    if (own === flag) {
      return { error: new UsageError(`${own} is safe-npm's own option: it takes no value and has no --no- form (write ${own} alone, or leave it out)`, 'EUSAGE'), suggestions: [] }
    }
    if (own) return { error: new UsageError(`unknown option ${flag}: did you mean ${own}?`, 'EUSAGE'), suggestions: [] }
    // An abbreviation npm expands (with its own warning) is not a typo npm ignores.
    if (expandsTo !== undefined) continue
    const npm = closestOption(flag, NPM_OPTION_NAMES)
    if (npm) suggestions.push(`${flag} is not an npm option, so npm ignores it: did you mean ${npm}?`)
  }
  return { error: null, suggestions }
}

/**
 * npm's own warnings about its configuration (`npm warn Unknown cli config
 * "--save-deV". …`, as npm prints them) and a suggestion line under them for
 * each typo of an npm option; nothing at --loglevel silent or error, as npm.
 */
export function configWarningLines(npmWarnings: readonly string[], unknown: readonly UnknownNpmFlag[], loglevel: string): string {
  if (loglevel === 'silent' || loglevel === 'error') return ''
  const lines = [...npmWarnings.map((warning) => `npm warn ${warning}`), ...judgeUnknownFlags(unknown).suggestions.map((line) => `safe-npm: warn ${line}`)]
  return lines.map((line) => `${line}\n`).join('')
}
