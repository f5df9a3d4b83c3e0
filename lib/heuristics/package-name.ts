// Small helpers over npm package names, shared by the typosquatting index.

export interface SplitName {
  /** Scope without the `@`, or null for an unscoped name. */
  scope: string | null
  /** The name after the scope (the whole name when unscoped). */
  bare: string
}

/** `@scope/name` → { scope: 'scope', bare: 'name' }; names are lower-cased. */
export function splitPackageName(name: string): SplitName {
  const lower = name.toLowerCase()
  if (lower.startsWith('@')) {
    const slash = lower.indexOf('/')
    if (slash > 1) return { scope: lower.slice(1, slash), bare: lower.slice(slash + 1) }
    // `@types-node` (no slash) is not a valid name, but judge it as a scope-like word.
    return { scope: lower.slice(1), bare: '' }
  }
  return { scope: null, bare: lower }
}

const DELIMITERS = /[-_.]/g

/** Number of `-`, `_` and `.` in a name. */
export function delimiterCount(name: string): number {
  return name.length - withoutDelimiters(name).length
}

/** `cross-env`, `cross_env`, `cross.env` and `crossenv` all become `crossenv`. */
export function withoutDelimiters(name: string): string {
  return name.replace(DELIMITERS, '')
}

/** Words of a name split at `-`, `_` and `.`. */
export function nameTokens(name: string): string[] {
  return name.split(/[-_.]/)
}

// Characters that render alike. Cyrillic and Greek letters cannot appear in a
// name the public registry accepts today, but lockfiles and aliases can carry
// anything, so they are folded too.
// A lower-case `i` keeps its dot and is not folded; a capital `I` (legacy names
// keep their case) is.
const CONFUSABLE_CHARACTERS: Record<string, string> = {
  '0': 'o',
  '1': 'l',
  I: 'l',
  '|': 'l',
  // Cyrillic
  'а': 'a', 'в': 'b', 'с': 'c', 'е': 'e', 'ё': 'e', 'һ': 'h', 'і': 'l', 'ӏ': 'l', 'ј': 'j', 'к': 'k',
  'м': 'm', 'н': 'h', 'о': 'o', 'р': 'p', 'ԛ': 'q', 'ѕ': 's', 'т': 't', 'у': 'y', 'ѡ': 'w', 'х': 'x',
  'ԁ': 'd', 'ɡ': 'g', 'ո': 'n', 'ս': 'u',
  // Greek
  'α': 'a', 'β': 'b', 'ε': 'e', 'ι': 'l', 'κ': 'k', 'ν': 'v', 'ο': 'o', 'ρ': 'p', 'τ': 't', 'υ': 'u',
  'χ': 'x', 'ω': 'w',
}

/**
 * A canonical spelling in which look-alike characters and letter pairs are
 * folded together: `1odash`, `lodash` and `l0dash` share one skeleton, and so
 * do `rnoment`/`moment` and `vvebpack`/`webpack`.
 */
export function homoglyphSkeleton(name: string): string {
  // Nearly every name is plain lower-case ASCII: fold it without a character loop.
  if (/^[a-z0-9._~-]*$/.test(name)) {
    if (!/[01]|rn|vv/.test(name)) return name
    return name.replace(/0/g, 'o').replace(/1/g, 'l').replace(/rn/g, 'm').replace(/vv/g, 'w')
  }
  let folded = ''
  for (const character of name.normalize('NFKC')) {
    folded += CONFUSABLE_CHARACTERS[character] ?? character.toLowerCase()
  }
  return folded.replace(/rn/g, 'm').replace(/vv/g, 'w')
}
