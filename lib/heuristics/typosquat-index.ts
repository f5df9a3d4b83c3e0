// Tells whether a package name imitates a popular one. Pure and synchronous:
// build once per run with TyposquatIndex.fromPopular(), then check() each name.
//
// Popular names come ranked, most popular first (the order of the
// npm-high-impact lists). When a name could imitate several of them, the
// strongest evidence wins first (a spelling that is equal after folding
// delimiters, look-alike characters or the scope), then the more popular target.
//
// A name in the popular set is never flagged, and neither is any name under the
// scope of a popular package: only that scope's owner can publish there.

import { npmHighImpact } from 'npm-high-impact'
import { areKeyboardNeighbours } from './keyboard.js'
import { NearWordIndex } from './near-word-index.js'
import {
  delimiterCount,
  homoglyphSkeleton,
  nameTokens,
  splitPackageName,
  withoutDelimiters,
} from './package-name.js'
import { damerauLevenshtein, describeSingleEdit } from './string-distance.js'

export type TyposquatTechnique =
  | 'delimiter-variant'
  | 'homoglyph'
  | 'scope-confusion'
  | 'swapped-characters'
  | 'doubled-character'
  | 'omitted-character'
  | 'edit-distance'
  | 'affix'
  | 'number-appended'
  | 'omitted-word'

export interface TyposquatMatch {
  /** The popular package the name seems to imitate. */
  imitates: string
  technique: TyposquatTechnique
}

export interface TyposquatIndexOptions {
  /**
   * How many of the most popular names are targets for the looser checks
   * (edit distance, affixes, appended numbers). Exact-after-folding checks
   * (delimiters, look-alikes, scopes) use every name. Default: all.
   */
  fuzzyTargetLimit?: number
  /**
   * Also flag a popular unscoped name published under a stranger's scope
   * (`@foo/lodash` → `lodash`). Off by default: forks and plugins named after
   * their host (`@remixicon/react`, `@ladjs/consolidate`) make it noisy —
   * about 2% of widely used names in test/fixtures/intel/legit-names.txt.
   */
  flagForeignScopeReuse?: boolean
}

/** Names and differing parts shorter than this are only compared after folding, never by edit distance. */
const MIN_FUZZY_LENGTH = 5
/** Names at least this long may be two edits away instead of one. */
const MIN_LENGTH_FOR_TWO_EDITS = 10
/** A word this long is copied, not thought of: a letter slipped into it is a typo whatever key it is (`libpnpmpublish`). */
const MIN_ANY_KEY_WORD_LENGTH = 12
/** A middle word at least this long may be left out of a popular name of three words or more (`puppeteer-extra-stealth`)… */
const MIN_OMITTED_WORD_LENGTH = 3
/** …when what is left is at least this long (`node-hash` for `node-object-hash` is another package). */
const MIN_LENGTH_WITH_WORD_OMITTED = 10
/** A popular name shorter than this is no target for affixes and appended numbers. */
const MIN_AFFIX_TARGET_LENGTH = 5

/**
 * A typo in a first word counts when the popular name it imitates starts at
 * least this many popular names (`puppeteer-core`, `puppeteer-extra`, …):
 * then `<typo>-<words>` passes for a package of that project.
 */
const MIN_FIRST_WORD_FAMILY = 5
/** A first word shorter than this is not judged as a typo (`steam-user` is no `stream`). */
const MIN_FIRST_WORD_LENGTH = 6

/**
 * The name of a package of a popular scope, published without the scope
 * (`platform-browser-dynamic` for `@angular/platform-browser-dynamic`): how
 * dependency confusion reaches projects that forget the scope. Only names of
 * two words or more and at least this long: one word (`core`, `utils`) or two
 * short ones (`css-utils`, `react-id`) are names of their own.
 */
const MIN_SCOPED_BARE_LENGTH = 11

const DOUBLED_LETTER = /([a-z])\1/

/** Names shorter than this (letters only) are not compared with doubled letters collapsed. */
const MIN_COLLAPSED_LENGTH = 6

/** A word at least this long may lose the second of a doubled last letter (`progres`). */
const MIN_LONG_WORD_LENGTH = 8
/**
 * A word at least this long may lose its last letter when more words follow
 * (`ganach-cli`); a last word, or a whole name, at least {@link MIN_CUT_LAST_WORD_LENGTH}
 * long (`soliditycoverag`). Shorter ones so cut are often other words (`victor`).
 */
const MIN_CUT_WORD_LENGTH = 7
const MIN_CUT_LAST_WORD_LENGTH = 9
/** A popular name shorter than this is no target for appended numbers. */
const MIN_NUMBERED_TARGET_LENGTH = 4

/** Letters glued before a word of the most popular names (`tchalk`, `cschalk-next`): at most this many. */
const MAX_GLUED_LETTERS = 2
/** Only the most popular names are targets for glued letters: further down, `x` + a name is a name of its own. */
const GLUED_TARGET_LIMIT = 300

const PREFIX_WORDS = ['node', 'nodejs', 'js', 'npm']
const SUFFIX_WORDS = ['js', 'node', 'nodejs', 'npm']
const AFFIX_SEPARATORS = ['-', '.', '_', '']
/**
 * Words that pass a copy off as a release of the package itself
 * (`react-spring-latest`, `jquery-real`, `eslint-config-airbnb-compat`,
 * `string-width-aliased`),
 * after a hyphen, dot or underscore. Forks so named exist, and are reported
 * too: they are no release of the package either.
 */
const RELEASE_WORDS = ['latest', 'stable', 'fork', 'forked', 'real', 'prod', 'official', 'compat', 'patched', 'fixed', 'updated', 'modified', 'aliased', 'original']
/**
 * Words that pass a package off as a helper of a popular one (`uuid-utils`,
 * `postcss-optimizer`): only after the most popular names, since further
 * down `<name>-utils` is as often a package of that name's own project.
 * Not `-lib`, `-core`, `-sdk` or `-api`: they name a project's own parts,
 * and after a name that is also a word, another project (`fresh-lib`).
 */
const HELPER_WORDS = ['util', 'utils', 'tools', 'helper', 'helpers', 'optimizer', 'validator']
/** Only this many of the most popular names are targets for helper words. */
const HELPER_TARGET_LIMIT = 1000

/**
 * A word glued without a delimiter after a popular one-word name
 * (`puppeteercaptur`, `libnpmpublishing`) counts when that name is at least
 * this long: shorter names make words of their own so (`webpackbar`, `prettierx`).
 */
const MIN_GLUED_ENDING_TARGET_LENGTH = 9
/** At most this many letters glued after a popular name. */
const MAX_GLUED_ENDING = 6
/** Endings that make a word of a popular name (`libnpmpublisher`): counted after any target, the others only after a family. */
const WORD_ENDINGS = ['er', 'ers', 'ing', 'ed']

// Lower is stronger evidence: equal after folding first, then equal after
// adding or dropping a scope, then typo shapes. Within one strength the more
// popular target wins; for one target, the earlier technique in this list.
const TECHNIQUE_STRENGTH: Record<TyposquatTechnique, number> = {
  'delimiter-variant': 0,
  homoglyph: 0,
  'scope-confusion': 1,
  affix: 2,
  'number-appended': 2,
  'omitted-word': 2,
  'swapped-characters': 2,
  'doubled-character': 2,
  'omitted-character': 2,
  'edit-distance': 2,
}
const TECHNIQUE_ORDER = Object.keys(TECHNIQUE_STRENGTH) as TyposquatTechnique[]

interface Candidate {
  rank: number
  technique: TyposquatTechnique
}

export class TyposquatIndex {
  /** Every popular name → its rank (0 is the most popular). */
  readonly #rankOf = new Map<string, number>()
  /** Popular names as spelled in the dataset, by rank. */
  readonly #names: string[] = []
  /** Scope of popular packages → rank of its most popular package. */
  readonly #scopeRank = new Map<string, number>()
  /** Scope of popular packages → the names after the scope, most popular first, and their ranks. */
  readonly #scopePackages = new Map<string, Array<{ bare: string, rank: number }>>()
  /** Unscoped popular names folded without delimiters → best rank. */
  readonly #byDelimiterFree = new Map<string, number>()
  /** Unscoped popular names whose look-alike folding differs from their delimiter-free form → best rank. */
  readonly #byHomoglyph = new Map<string, number>()
  /** `@types/node` folded to `typesnode` → best rank. */
  readonly #byJoinedScope = new Map<string, number>()
  /** `@angular/platform-browser-dynamic` → `platform-browser-dynamic`: names after a popular scope, of two words or more → best rank. */
  readonly #byScopedBare = new Map<string, number>()
  /** Scopes of popular packages folded by delimiters and look-alikes → those scopes, most popular first. */
  readonly #scopesByFolding = new Map<string, string[]>()
  /** Unscoped popular names of five or more characters, for typo search; ranks beside them. */
  readonly #fuzzyNames: NearWordIndex
  readonly #fuzzyNameRanks: number[] = []
  /** Scopes of popular packages without delimiters, for typo search; the scopes as spelled beside them. */
  readonly #fuzzyScopes: NearWordIndex
  readonly #fuzzyScopeNames: string[] = []
  /** Unscoped popular names of five or more characters with doubled letters typed once (`puppeteer` → `pupeter`) → best rank. */
  readonly #byCollapsedRuns = new Map<string, number>()
  /** Popular names with one digit after three letters or more (`web3-eth-abi`), the digit dropped (`web-eth-abi`) → best rank. */
  readonly #byDroppedDigit = new Map<string, number>()
  /** `puppeteer-extra-plugin-stealth` → `puppeteer-extra-stealth`: popular hyphenated names with a middle word left out → best rank. */
  readonly #byOmittedWord = new Map<string, number>()
  /** Popular one-word names → how many unscoped popular names start with `<name>-` (`puppeteer-core`, …); filled on demand. */
  readonly #familySize = new Map<string, number>()
  readonly #fuzzyTargetLimit: number
  readonly #flagForeignScopeReuse: boolean

  private constructor(rankedNames: string[], options: TyposquatIndexOptions) {
    this.#fuzzyTargetLimit = options.fuzzyTargetLimit ?? Infinity
    this.#flagForeignScopeReuse = options.flagForeignScopeReuse ?? false
    const fuzzyNames: string[] = []
    for (const original of rankedNames) {
      const name = original.toLowerCase()
      if (this.#rankOf.has(name)) continue
      const rank = this.#names.length
      this.#names.push(original)
      this.#rankOf.set(name, rank)
      const { scope, bare } = splitPackageName(name)
      if (scope !== null) {
        setIfAbsent(this.#scopeRank, scope, rank)
        const packages = this.#scopePackages.get(scope)
        if (packages === undefined) this.#scopePackages.set(scope, [{ bare, rank }])
        else packages.push({ bare, rank })
        setIfAbsent(this.#byJoinedScope, withoutDelimiters(scope + bare), rank)
        if (isScopedBareTarget(scope, bare)) setIfAbsent(this.#byScopedBare, bare, rank)
        continue
      }
      const delimiterFree = withoutDelimiters(bare)
      setIfAbsent(this.#byDelimiterFree, delimiterFree, rank)
      const skeleton = homoglyphSkeleton(withoutDelimiters(original))
      if (skeleton !== delimiterFree) setIfAbsent(this.#byHomoglyph, skeleton, rank)
      if (bare.length >= MIN_FUZZY_LENGTH && rank < this.#fuzzyTargetLimit) {
        fuzzyNames.push(bare)
        this.#fuzzyNameRanks.push(rank)
        // Names without a doubled letter are found by their delimiter-free form.
        if (DOUBLED_LETTER.test(bare)) setIfAbsent(this.#byCollapsedRuns, collapsedRuns(bare), rank)
        for (const omitted of withMiddleWordOmitted(bare)) setIfAbsent(this.#byOmittedWord, omitted, rank)
        const digitDropped = droppedDigit(bare)
        if (digitDropped !== null) setIfAbsent(this.#byDroppedDigit, digitDropped, rank)
      }
    }
    this.#fuzzyNames = new NearWordIndex(fuzzyNames)

    const fuzzyScopes: string[] = []
    for (const scope of this.#scopeRank.keys()) {
      const letters = withoutDelimiters(scope)
      const skeleton = homoglyphSkeleton(letters)
      const folded = this.#scopesByFolding.get(skeleton)
      if (folded === undefined) this.#scopesByFolding.set(skeleton, [scope])
      else folded.push(scope)
      if (letters.length >= MIN_FUZZY_LENGTH) {
        fuzzyScopes.push(letters)
        this.#fuzzyScopeNames.push(scope)
      }
    }
    this.#fuzzyScopes = new NearWordIndex(fuzzyScopes)
  }

  /** Index over `names`, most popular first; by default the npm-high-impact list. */
  static fromPopular(names: readonly string[] = npmHighImpact, options: TyposquatIndexOptions = {}): TyposquatIndex {
    return new TyposquatIndex([...names], options)
  }

  get size(): number {
    return this.#names.length
  }

  isPopular(name: string): boolean {
    return this.#rankOf.has(name.toLowerCase())
  }

  /**
   * Popular names spelled close to `name` (within two edits, long names only at two),
   * closest and most popular first: what a reader compares a name with, flagged or not.
   */
  nearest(name: string, limit = 3): string[] {
    const { scope, bare } = splitPackageName(name.toLowerCase())
    if (scope !== null || bare.length < MIN_FUZZY_LENGTH) return []
    return this.#fuzzyNames
      .near(bare, bare.length >= MIN_LENGTH_FOR_TWO_EDITS ? 2 : 1)
      .sort((a, b) => a.distance - b.distance || this.#fuzzyNameRanks[a.id] - this.#fuzzyNameRanks[b.id])
      .slice(0, limit)
      .map((near) => this.#names[this.#fuzzyNameRanks[near.id]])
  }

  /** The popular package `name` seems to imitate, and how; null when none. */
  check(name: string): TyposquatMatch | null {
    const lower = name.toLowerCase()
    if (this.#rankOf.has(lower)) return null
    const { scope, bare } = splitPackageName(lower)
    const candidates = scope === null
      ? this.#unscopedCandidates(bare, name)
      : this.#scopedCandidates(scope, bare)
    return this.#strongest(candidates)
  }

  #unscopedCandidates(bare: string, original: string): Candidate[] {
    const candidates: Candidate[] = []
    const add = (rank: number | undefined, technique: TyposquatTechnique): void => {
      if (rank !== undefined) candidates.push({ rank, technique })
    }
    const delimiterFree = withoutDelimiters(bare)
    // `_`, `.` (or an empty name) imitate nothing, not even the package `-`.
    if (delimiterFree === '') return candidates
    const delimiterRank = this.#byDelimiterFree.get(delimiterFree)
    // Typists drop or mistype a hyphen (`crossenv`, `cross_env`); adding one
    // where the popular name has none (`has-own`) is how distinct names are made.
    if (delimiterRank !== undefined && delimiterCount(bare) <= delimiterCount(this.#names[delimiterRank]) &&
        !isJsSpelling(bare, this.#names[delimiterRank].toLowerCase()) &&
        !isDotHyphenSpelling(bare, this.#names[delimiterRank].toLowerCase())) {
      add(delimiterRank, 'delimiter-variant')
    }
    add(this.#joinedScopeTarget(bare, delimiterFree), 'scope-confusion')
    add(this.#byScopedBare.get(bare), 'scope-confusion')
    const skeleton = homoglyphSkeleton(withoutDelimiters(original))
    const skeletonRank = this.#byHomoglyph.get(skeleton) ?? this.#byDelimiterFree.get(skeleton)
    if (skeletonRank !== undefined && skeletonRank !== delimiterRank) add(skeletonRank, 'homoglyph')
    for (const match of this.#typoCandidates(bare)) candidates.push(match)
    const collapsed = this.#collapsedRunsTarget(bare, delimiterFree)
    if (collapsed !== undefined) candidates.push(collapsed)
    // A whole-name typo names the package better than a typo in its first word.
    if (candidates.length === 0) for (const match of this.#firstWordTypoCandidates(bare)) candidates.push(match)
    add(this.#affixTarget(bare), 'affix')
    add(this.#gluedLettersTarget(bare), 'affix')
    add(this.#gluedEndingTarget(bare), 'affix')
    add(this.#byDroppedDigit.get(bare), 'omitted-character')
    if (bare.length >= MIN_LENGTH_WITH_WORD_OMITTED) add(this.#byOmittedWord.get(bare), 'omitted-word')
    add(this.#numberAppendedTarget(bare), 'number-appended')
    return candidates
  }

  /**
   * `typesnode` or `types-node` for `@types/node`. Projects that move into a
   * scope keep their old `<scope>-<name>` package (`fastify-static` before
   * `@fastify/static`), so that exact form only counts for `@types`, which
   * DefinitelyTyped never publishes unscoped.
   */
  #joinedScopeTarget(bare: string, delimiterFree: string): number | undefined {
    const rank = this.#byJoinedScope.get(delimiterFree)
    if (rank === undefined) return undefined
    const { scope } = splitPackageName(this.#names[rank])
    if (!bare.startsWith(`${scope}-`)) return rank
    // `types-react` beside a popular `react` is a standalone type package for
    // it (React's release candidates ship their types so, and projects alias
    // `@types/react` to it); `types-lodash.es` names no popular package.
    return scope === 'types' && !this.#rankOf.has(bare.slice(scope.length + 1)) ? rank : undefined
  }

  #scopedCandidates(scope: string, bare: string): Candidate[] {
    // Only the owner of a scope publishes under it.
    if (this.#scopeRank.has(scope)) return []
    const candidates: Candidate[] = []
    // `@typesnode/x` or `@types-node` for `@types/node`. A scope that spells
    // out `<scope>-<name>` (`@angular-cli/*`, `@preact-signals/*`) is how a
    // community names its packages around a popular one; not for `@types`.
    const joinedRank = this.#byJoinedScope.get(withoutDelimiters(scope))
    if (joinedRank !== undefined) {
      const popularScope = splitPackageName(this.#names[joinedRank]).scope as string
      if (popularScope === 'types' || !startsWithWord(scope, popularScope)) {
        candidates.push({ rank: joinedRank, technique: 'scope-confusion' })
      }
    }
    // `@foo/lodash`: a popular unscoped name re-published under a stranger's scope.
    const bareRank = this.#flagForeignScopeReuse ? this.#rankOf.get(bare) : undefined
    if (bareRank !== undefined && bare.length >= MIN_FUZZY_LENGTH && bareRank < this.#fuzzyTargetLimit) {
      candidates.push({ rank: bareRank, technique: 'scope-confusion' })
    }
    for (const match of this.#scopeTypoCandidates(scope, bare)) candidates.push(match)
    return candidates
  }

  /**
   * `@acitons/artifact` for `@actions/artifact`: a typo in a popular scope,
   * followed by the name of a popular package of that scope. A scope of its
   * own with other package names (`@storyblok/js` beside `@storybook/*`) is
   * someone else's project, not an imitation.
   */
  #scopeTypoCandidates(scope: string, bare: string): Candidate[] {
    const candidates: Candidate[] = []
    const add = (popularScope: string, technique: TyposquatTechnique): void => {
      const rank = this.#imitatedInScope(popularScope, bare)
      if (rank !== undefined) candidates.push({ rank, technique })
    }
    const letters = withoutDelimiters(scope)
    for (const popularScope of this.#scopesByFolding.get(homoglyphSkeleton(letters)) ?? []) {
      add(popularScope, withoutDelimiters(popularScope) === letters ? 'delimiter-variant' : 'homoglyph')
    }
    if (letters.length < MIN_FUZZY_LENGTH) return candidates
    const maxDistance = letters.length >= MIN_LENGTH_FOR_TWO_EDITS ? 2 : 1
    for (const { id } of this.#fuzzyScopes.near(letters, maxDistance)) {
      const popularScope = this.#fuzzyScopeNames[id]
      // Judged with the scope's delimiters: `salesforce-ux` adds a word to `salesforce`.
      // Followed by the very name of one of that scope's popular packages
      // (`@opentelemetrya/api`), a changed last letter of a long word counts too.
      const exact = this.#rankOf.has(`@${popularScope}/${bare}`)
      const technique = typoTechnique(scope, popularScope, true, exact)
      if (technique !== null) add(popularScope, technique)
    }
    return candidates
  }

  /**
   * The package of a popular scope that `@<typo>/<bare>` imitates: the one
   * named `bare`, else one whose name `bare` starts or ends with whole words
   * (`@typescript_eslinter/eslint` for `@typescript-eslint/eslint-plugin`).
   */
  #imitatedInScope(popularScope: string, bare: string): number | undefined {
    const exact = this.#rankOf.get(`@${popularScope}/${bare}`)
    if (exact !== undefined) return exact
    if (bare.length < MIN_AFFIX_TARGET_LENGTH) return undefined
    for (const { bare: other, rank } of this.#scopePackages.get(popularScope) ?? []) {
      if (sharesWholeWords(bare, other)) return rank
    }
    return undefined
  }

  /** Popular unscoped names one typo away (two for long names). */
  #typoCandidates(bare: string): Candidate[] {
    if (bare.length < MIN_FUZZY_LENGTH) return []
    const maxDistance = bare.length >= MIN_LENGTH_FOR_TWO_EDITS ? 2 : 1
    const candidates: Candidate[] = []
    for (const { id } of this.#fuzzyNames.near(bare, maxDistance)) {
      const target = this.#fuzzyNames.word(id)
      if (!isDistinctiveDifference(bare, target)) continue
      // `preact-css-styled` beside `react-css-styled`: the word that differs is a package of its own.
      if (isWordOfLongName(bare, target) && this.#rankOf.has(nameTokens(bare).find((word, i) => word !== nameTokens(target)[i]) ?? '')) continue
      const technique = typoTechnique(bare, target)
      if (technique !== null) candidates.push({ rank: this.#fuzzyNameRanks[id], technique })
    }
    return candidates
  }

  /**
   * `pupeter` for `puppeteer`, `validatorrr` for `validator`: the same
   * letters with doubled ones typed once (or held down), which may be more
   * than one edit. Not in short words (`react-doom`), nor at the end of one
   * (`expres`).
   */
  #collapsedRunsTarget(bare: string, delimiterFree: string): Candidate | undefined {
    if (delimiterFree.length < MIN_COLLAPSED_LENGTH) return undefined
    const key = collapsedRuns(bare)
    const doubledRank = this.#byCollapsedRuns.get(key)
    let rank = this.#byDelimiterFree.get(key)
    if (rank === undefined || rank >= this.#fuzzyTargetLimit || this.#names[rank].length < MIN_FUZZY_LENGTH) rank = doubledRank
    else if (doubledRank !== undefined) rank = Math.min(rank, doubledRank)
    if (rank === undefined) return undefined
    const target = this.#names[rank].toLowerCase()
    const targetLetters = withoutDelimiters(target)
    if (targetLetters === delimiterFree) return undefined
    const [typedCore, intendedCore] = differingWords(bare, target)
    if (Math.max(typedCore.length, intendedCore.length) < MIN_FUZZY_LENGTH) return undefined
    return { rank, technique: delimiterFree.length < targetLetters.length ? 'omitted-character' : 'doubled-character' }
  }

  /**
   * `pupeteer-screen-recorder`, `pupeteer-cli` → `puppeteer`: the first word
   * is a typo of a popular one-word name, and more words follow, so the whole
   * passes for a package of that name's project.
   */
  #firstWordTypoCandidates(bare: string): Candidate[] {
    const first = /^([a-z0-9]+)[-_.]/.exec(bare)?.[1]
    if (first === undefined || first.length < MIN_FIRST_WORD_LENGTH || this.#rankOf.has(first)) return []
    const candidates: Candidate[] = []
    for (const { id } of this.#fuzzyNames.near(first, first.length >= MIN_LENGTH_FOR_TWO_EDITS ? 2 : 1)) {
      const target = this.#fuzzyNames.word(id)
      const rank = this.#fuzzyNameRanks[id]
      if (/[-_.]/.test(target) || this.#familySizeOf(target) < MIN_FIRST_WORD_FAMILY) continue
      const technique = typoTechnique(first, target)
      if (technique !== null && technique !== 'edit-distance') candidates.push({ rank, technique })
      // A letter that sounds like the one it replaces (`harthat-api` for `hardhat`): spelt by ear, not slipped.
      else if (isSoundAlikeReplacement(first, target)) candidates.push({ rank, technique: 'edit-distance' })
    }
    return candidates
  }

  /** How many unscoped popular names start with `<word>-`, `<word>_` or `<word>.`: counted once per word, when first asked. */
  #familySizeOf(word: string): number {
    let size = this.#familySize.get(word)
    if (size === undefined) {
      size = 0
      for (const name of this.#names) {
        if (name.length > word.length && name.startsWith(word) && isDelimiter(name[word.length])) size++
      }
      this.#familySize.set(word, size)
    }
    return size
  }

  /** `mssql-node`, `nodefabric`, `jquery.js` → the popular name inside. */
  #affixTarget(bare: string): number | undefined {
    let best: number | undefined
    const consider = (rest: string, limit = Infinity, minLength = MIN_AFFIX_TARGET_LENGTH): void => {
      if (rest.length < minLength || /^[-_.]|[-_.]$/.test(rest)) return
      const rank = this.#rankOf.get(rest) ?? this.#byDelimiterFree.get(withoutDelimiters(rest))
      if (rank !== undefined && rank < Math.min(limit, this.#fuzzyTargetLimit) && (best === undefined || rank < best)) best = rank
    }
    for (const word of PREFIX_WORDS) {
      for (const separator of AFFIX_SEPARATORS) {
        const prefix = word + separator
        if (bare.startsWith(prefix)) consider(bare.slice(prefix.length))
      }
    }
    for (const word of SUFFIX_WORDS) {
      for (const separator of AFFIX_SEPARATORS) {
        const suffix = separator + word
        if (bare.endsWith(suffix)) consider(bare.slice(0, -suffix.length))
      }
    }
    const lastWord = /[-_.]([a-z]+)$/.exec(bare)
    if (lastWord !== null) {
      const rest = bare.slice(0, lastWord.index)
      if (RELEASE_WORDS.includes(lastWord[1])) consider(rest)
      else if (HELPER_WORDS.includes(lastWord[1])) consider(rest, HELPER_TARGET_LIMIT, MIN_NUMBERED_TARGET_LENGTH)
    }
    return best
  }

  /**
   * `tchalk`, `cschalk-next` → `chalk`: one or two letters glued before one of
   * the most popular one-word names, alone or followed by one more word. A
   * typist's slip rarely adds a first letter, but squatters do, and below the
   * top of the list `x` + a name is usually a name of its own (`ucolor`).
   */
  #gluedLettersTarget(bare: string): number | undefined {
    const words = bare.split(/[-_.]/)
    if (words.length > 2) return undefined
    const first = words[0]
    for (let glued = 1; glued <= MAX_GLUED_LETTERS; glued++) {
      const rest = first.slice(glued)
      if (rest.length < MIN_AFFIX_TARGET_LENGTH || !/^[a-z]+$/.test(first.slice(0, glued))) continue
      const rank = this.#rankOf.get(rest)
      if (rank !== undefined && rank < Math.min(GLUED_TARGET_LIMIT, this.#fuzzyTargetLimit)) return rank
    }
    return undefined
  }

  /**
   * `puppeteercaptur`, `puppeteerwweb`, `libnpmpublishing`: letters glued
   * after a long popular one-word name, alone or before more words. Counts
   * when the name starts a family of popular names (then `<name><word>`
   * passes for a package of that project), or for an ending that makes a
   * word of it (`-er`, `-ing`) in a one-word name. Not a plural (`passports`).
   * The name may have its doubled letters typed once or held down
   * (`pupeteeerproxy`), as {@link collapsedRuns} folds them.
   */
  #gluedEndingTarget(bare: string): number | undefined {
    const words = /^([a-z]+)([-_.].*)?$/.exec(bare)
    if (words === null) return undefined
    const first = words[1]
    for (let glued = 1; glued <= MAX_GLUED_ENDING; glued++) {
      const target = first.slice(0, -glued)
      if (target.length < MIN_GLUED_ENDING_TARGET_LENGTH - 2) break
      let rank = target.length >= MIN_GLUED_ENDING_TARGET_LENGTH ? this.#rankOf.get(target) : undefined
      // The name itself with doubled letters typed once, or held down (`pupeteeerproxy`).
      const isCollapsed = rank === undefined
      if (isCollapsed) rank = this.#byCollapsedRuns.get(collapsedRuns(target))
      if (rank === undefined || rank >= this.#fuzzyTargetLimit) continue
      if (isCollapsed && this.#names[rank].length < MIN_GLUED_ENDING_TARGET_LENGTH) continue
      const ending = first.slice(-glued)
      if (ending === 's' || ending === 'es') return undefined
      const isWordEnding = WORD_ENDINGS.includes(ending) && words[2] === undefined
      return isWordEnding || this.#familySizeOf(this.#names[rank].toLowerCase()) >= MIN_FIRST_WORD_FAMILY ? rank : undefined
    }
    return undefined
  }

  /** `lodash2`, `eslint-9`, `react-hook-form-5` → the popular name before the number. */
  #numberAppendedTarget(bare: string): number | undefined {
    // A number glued to one word of five letters or more (`react18`, `sharp32`),
    // or a single digit after any name of four (`fdir2`, `eslint-9`). Longer
    // numbers after short words name an encoding (`base58`), and a digit glued
    // to a compound name usually says what it is (`passport-oauth1`).
    // After a delimiter, a version (`react-is-17`, `eslint-v7`, `playwright-1.47`)
    // follows any name of five letters or more; after four, only a `v` or a
    // dotted one does (`base-58` is an encoding).
    const word = /^([a-z]+)\d{1,4}$/.exec(bare)
    const digit = /^(.*[a-z])([-_.]?)\d$/.exec(bare)
    const version = /^(.*[a-z])[-_.](v?)\d{1,2}((?:\.\d{1,3}){0,2})$/.exec(bare)
    // Two or three digits glued inside a compound name (`react-dnd11`,
    // `react-dnd11-html5-backend`); one names a version of what it extends
    // (`vue3-chartjs`, `passport-oauth1`).
    const glued = /^([a-z][a-z0-9]*(?:[-_.][a-z0-9]+)*?[a-z])\d{2,3}((?:[-_.][a-z0-9]+)*)$/.exec(bare)
    // A version of two parts glued to a name (`eslint7_0`, `vite4.2`).
    const gluedVersion = /^(.*[a-z])\d{1,2}[._]\d{1,2}$/.exec(bare)
    const targets: string[] = []
    if (word !== null && word[1].length >= MIN_AFFIX_TARGET_LENGTH) targets.push(word[1])
    else if (digit !== null && withoutDelimiters(digit[1]).length >= MIN_NUMBERED_TARGET_LENGTH &&
      (digit[2] !== '' || !/[-_.]/.test(digit[1]))) targets.push(digit[1])
    else if (version !== null && withoutDelimiters(version[1]).length >=
      (version[2] + version[3] === '' ? MIN_AFFIX_TARGET_LENGTH : MIN_NUMBERED_TARGET_LENGTH)) targets.push(version[1])
    else if (glued !== null && /[-_.]/.test(bare) && withoutDelimiters(glued[1] + glued[2]).length >= MIN_AFFIX_TARGET_LENGTH) targets.push(glued[1] + glued[2])
    // Names of three words or more are copied whole: a digit glued to the last (`react-big-calendar2`) is a copy's.
    if (digit !== null && digit[2] === '' && nameTokens(digit[1]).length >= MIN_WORDS_FOR_WORD_EDGE_EDITS) targets.push(digit[1])
    if (gluedVersion !== null && withoutDelimiters(gluedVersion[1]).length >= MIN_AFFIX_TARGET_LENGTH) targets.push(gluedVersion[1])
    for (const target of targets) {
      const rank = this.#rankOf.get(target)
      if (rank !== undefined && rank < this.#fuzzyTargetLimit) return rank
    }
    return undefined
  }

  #strongest(candidates: Candidate[]): TyposquatMatch | null {
    let best: Candidate | undefined
    for (const candidate of candidates) {
      if (best === undefined || isStronger(candidate, best)) best = candidate
    }
    return best === undefined ? null : { imitates: this.#names[best.rank], technique: best.technique }
  }
}

function isStronger(a: Candidate, b: Candidate): boolean {
  const strength = TECHNIQUE_STRENGTH[a.technique] - TECHNIQUE_STRENGTH[b.technique]
  if (strength !== 0) return strength < 0
  if (a.rank !== b.rank) return a.rank < b.rank
  return TECHNIQUE_ORDER.indexOf(a.technique) < TECHNIQUE_ORDER.indexOf(b.technique)
}

/**
 * Classifies a name one or two edits from a popular one; null when the
 * difference does not look like a slip of the keyboard:
 * - only delimiters differ (judged by the delimiter rule instead);
 * - a word's first letter differs (`nookies`/`cookies`): people rarely mistype it;
 * - a word's ending differs (`route`/`router`, `regex`/`regexp`): a different word;
 * - a letter is replaced by, or inserted beside, keys that are not its
 *   neighbours on the keyboard (`pepjs`/`pegjs`, `selectn`/`select`);
 * - digits differ (`vue2`/`vue3`, `md4`/`md5`): they name versions;
 * - a trailing `s` is added or dropped (`shallowequals`): a plural, not a slip.
 */
function typoTechnique(typed: string, intended: string, isScope = false, mayChangeEnds = false): TyposquatTechnique | null {
  const typedLetters = withoutDelimiters(typed)
  const intendedLetters = withoutDelimiters(intended)
  if (typedLetters === intendedLetters || isPluralOf(typedLetters, intendedLetters)) return null
  // Compare with delimiters when one edit explains it, else without them (`shallow-equal` vs `shallowequals`).
  let [a, b] = [typed, intended]
  let edit = describeSingleEdit(a, b)
  if (edit === null) {
    [a, b] = [typedLetters, intendedLetters]
    edit = describeSingleEdit(a, b)
  }
  if (edit === null) {
    if (isKeyHeldDown(typed, intended)) return 'doubled-character'
    return isBelievableDoubleEdit(typed, intended, isScope) ? 'edit-distance' : null
  }
  // A digit in a name that has none is a slip like any other key (`apollocli8ent`).
  // A digit between letters, in a name without digits, is a slip like any
  // other key (`apollocli8ent`); after a word it names a version (`vue3-charts`).
  if (/\d/.test(edit.characters) && (/\d/.test(intended) || edit.kind === 'doubled-character' || !isBetweenLetters(typed, edit.characters))) return null
  switch (edit.kind) {
    case 'swapped-characters': return 'swapped-characters'
    case 'doubled-character': return 'doubled-character'
    case 'omitted-character':
      // In a name of three words or more, the others unchanged, a letter
      // dropped at a word's start or end is a copy, not another word.
      if (a === typed && isWordOfLongName(typed, intended)) return 'omitted-character'
      // A doubled letter typed once is a slip even at the end of a long word
      // (`request-progres`); short words so shortened are often other words (`expres`).
      if (isAtWordEnd(b, edit.at) && b[edit.at] === b[edit.at - 1] && wordLengthAt(b, edit.at) >= MIN_LONG_WORD_LENGTH) return 'omitted-character'
      if (mayChangeEnds && isLongWordEnd(b, edit.at)) return 'omitted-character'
      // The last letter of a long word left out (`ganach-cli`, `soliditycoverag`)
      // makes no other word; a plural's `s` does.
      if (isAtWordEnd(b, edit.at) && !isAtWordStart(b, edit.at) && b[edit.at] !== 's' &&
          wordLengthAt(b, edit.at) >= (edit.at < b.length - 1 ? MIN_CUT_WORD_LENGTH : MIN_CUT_LAST_WORD_LENGTH)) return 'omitted-character'
      return isAtWordStart(b, edit.at) || isAtWordEnd(b, edit.at) ? null : 'omitted-character'
    case 'inserted-character':
      // `nodes-polyfill-webpack-plugin`: one letter more at a word's start or end.
      if (a === typed && isWordOfLongName(typed, intended)) return 'edit-distance'
      if (mayChangeEnds && isLongWordEnd(a, edit.at)) return 'edit-distance'
      if (isAtWordStart(a, edit.at) || isAtWordEnd(a, edit.at)) return null
      return isFatFingered(a, edit.at) || wordLengthAt(a, edit.at) >= MIN_ANY_KEY_WORD_LENGTH ? 'edit-distance' : null
    case 'replaced-character': {
      const [from, to] = edit.characters.split('→')
      if (mayChangeEnds && isLongWordEnd(a, edit.at)) return 'edit-distance'
      return isAtWordStart(a, edit.at) || isAtWordEnd(a, edit.at) || !areKeyboardNeighbours(from, to) ? null : 'edit-distance'
    }
  }
}

/**
 * Two edits in a long name: believable unless they touch a word's first
 * letter, its ending (`express-validation`/`express-validator`,
 * another word) or digits. A scope typo may change the ending: it is only
 * flagged with a package of the popular scope after it (`@typescript_eslinter/eslint`).
 */
function isBelievableDoubleEdit(typed: string, intended: string, mayChangeEnding: boolean): boolean {
  let start = 0
  while (start < typed.length && start < intended.length && typed[start] === intended[start]) start++
  let typedEnd = typed.length
  let intendedEnd = intended.length
  while (typedEnd > start && intendedEnd > start && typed[typedEnd - 1] === intended[intendedEnd - 1]) {
    typedEnd--
    intendedEnd--
  }
  const endsWord = (name: string, end: number): boolean => end === name.length || /[-_.]/.test(name[end])
  const changesEnding = endsWord(typed, typedEnd) || endsWord(intended, intendedEnd)
  return !isAtWordStart(typed, start) && (mayChangeEnding || !changesEnding) &&
    !/\d/.test(differingPart(typed, intended))
}

/** `styled-componentsss`: one letter of the popular name typed three times, a key held down. */
function isKeyHeldDown(typed: string, intended: string): boolean {
  if (typed.length !== intended.length + 2) return false
  const extra = differingPart(typed, intended)
  return extra.length === 2 && extra[0] === extra[1] && /[a-z]/.test(extra[0]) && typed.includes(extra[0].repeat(3))
}

/** Whether the one digit of `characters` (`8` or `i→8`) sits between letters in `typed`. */
function isBetweenLetters(typed: string, characters: string): boolean {
  const digit = characters.replace(/[^0-9]/g, '')
  const at = typed.indexOf(digit)
  return digit.length === 1 && at > 0 && /[a-z]/.test(typed[at - 1]) && /[a-z]/.test(typed[at + 1] ?? '')
}

/**
 * Names of at least this many words are copied whole, so one letter more or
 * less at a word's start or end (`nodes-polyfill-webpack-plugin`) is a typo too.
 */
const MIN_WORDS_FOR_WORD_EDGE_EDITS = 3

/** Whether two names of {@link MIN_WORDS_FOR_WORD_EDGE_EDITS} words or more, with the same delimiters, differ in one word only. */
function isWordOfLongName(typed: string, intended: string): boolean {
  const typedWords = nameTokens(typed)
  const intendedWords = nameTokens(intended)
  if (typedWords.length < MIN_WORDS_FOR_WORD_EDGE_EDITS || typedWords.length !== intendedWords.length) return false
  if (typed.replace(/[^-_.]/g, '') !== intended.replace(/[^-_.]/g, '')) return false
  const changed = typedWords.findIndex((word, i) => word !== intendedWords[i])
  // A last word so changed is often another word (`replace`/`replacer`, `standard`/`standardx`).
  return changed < typedWords.length - 1 && typedWords.slice(changed + 1).every((word, i) => word === intendedWords[changed + 1 + i])
}

/**
 * A hyphenated name of three words or more with one middle word of
 * MIN_OMITTED_WORD_LENGTH letters or more left out, for each such word; the
 * first and last word stay (they say what the package is and for what).
 */
function withMiddleWordOmitted(name: string): string[] {
  if (/[_.]/.test(name)) return []
  const words = name.split('-')
  const omitted: string[] = []
  for (let i = 1; i < words.length - 1; i++) {
    if (words[i].length >= MIN_OMITTED_WORD_LENGTH) omitted.push([...words.slice(0, i), ...words.slice(i + 1)].join('-'))
  }
  return omitted
}

/** Length of the word (between delimiters) that holds position `at`. */
function wordLengthAt(name: string, at: number): number {
  let start = at
  while (start > 0 && !/[-_.]/.test(name[start - 1])) start--
  let end = at
  while (end < name.length && !/[-_.]/.test(name[end])) end++
  return end - start
}

/** The last letter of a word of at least five letters. */
function isLongWordEnd(name: string, at: number): boolean {
  return isAtWordEnd(name, at) && !isAtWordStart(name, at) && wordLengthAt(name, at) >= MIN_AFFIX_TARGET_LENGTH
}

function isAtWordStart(name: string, at: number): boolean {
  return at === 0 || /[-_.]/.test(name[at - 1])
}

/** `route`/`router`, `regex`/`regexp`: a different ending makes a different word. */
function isAtWordEnd(name: string, at: number): boolean {
  return at === name.length - 1 || /[-_.]/.test(name[at + 1])
}

/** An extra letter is a slip when it sits next to a key pressed beside it. */
function isFatFingered(typed: string, at: number): boolean {
  const inserted = typed[at]
  return areKeyboardNeighbours(inserted, typed[at - 1] ?? '') || areKeyboardNeighbours(inserted, typed[at + 1] ?? '')
}

/** `electrons` for `electron`; `expresss` for `express` is a doubled letter instead. */
function isPluralOf(a: string, b: string): boolean {
  return (a === `${b}s` && !b.endsWith('s')) || (b === `${a}s` && !a.endsWith('s'))
}

/** The characters in which two strings differ, after their common start and end. */
function differingPart(a: string, b: string): string {
  let start = 0
  while (start < a.length && start < b.length && a[start] === b[start]) start++
  let endA = a.length
  let endB = b.length
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) { endA--; endB-- }
  return a.slice(start, endA) + b.slice(start, endB)
}

/**
 * Names built from words share whole words with their neighbours
 * (`react-native-svg`/`react-native-sms`, `jest-util`/`jest-utils`). A typo is
 * only believable when the words that differ are long enough on their own.
 */
function isDistinctiveDifference(typed: string, intended: string): boolean {
  const [typedCore, intendedCore] = differingWords(typed, intended)
  const coreLength = Math.max(typedCore.length, intendedCore.length)
  if (coreLength < MIN_FUZZY_LENGTH) return false
  const distance = damerauLevenshtein(typedCore, intendedCore, 2)
  return distance <= 1 || coreLength >= MIN_LENGTH_FOR_TWO_EDITS
}

/** The words in which two names differ, after the words they share at start and end, joined by hyphens. */
function differingWords(typed: string, intended: string): [string, string] {
  const typedWords = nameTokens(typed)
  const intendedWords = nameTokens(intended)
  let start = 0
  while (start < typedWords.length - 1 && start < intendedWords.length - 1 && typedWords[start] === intendedWords[start]) start++
  let typedEnd = typedWords.length
  let intendedEnd = intendedWords.length
  while (typedEnd - 1 > start && intendedEnd - 1 > start && typedWords[typedEnd - 1] === intendedWords[intendedEnd - 1]) {
    typedEnd--
    intendedEnd--
  }
  return [typedWords.slice(start, typedEnd).join('-'), intendedWords.slice(start, intendedEnd).join('-')]
}

/**
 * `chartjs`, `chart-js` and `chart.js`: a library called X.js is published
 * under every spelling of its name, by different people and for years.
 */
function isJsSpelling(a: string, b: string): boolean {
  const trailingJs = /[-_.]?js$/
  return trailingJs.test(a) && trailingJs.test(b) && a.replace(trailingJs, '') === b.replace(trailingJs, '')
}

/**
 * `object.entries` and `object-entries`, `socket-io` and `socket.io`: dots and
 * hyphens are both word separators in names, and both spellings are common
 * for distinct packages. (An underscore for a hyphen is a missed Shift key.)
 */
function isDotHyphenSpelling(a: string, b: string): boolean {
  return a.length === b.length && !/_/.test(a + b) && a.replace(/\./g, '-') === b.replace(/\./g, '-')
}

/** `angular-cli` starts with the word `angular`. */
function startsWithWord(name: string, word: string): boolean {
  return name.startsWith(word) && /[-_.]/.test(name[word.length] ?? '')
}

/** `eslint` and `eslint-plugin`: one name is the other's first or last words. */
function sharesWholeWords(a: string, b: string): boolean {
  const [shorter, longer] = a.length < b.length ? [a, b] : [b, a]
  if (shorter === longer || shorter.length === 0) return shorter === longer
  return (longer.startsWith(shorter) && /[-_.]/.test(longer[shorter.length])) ||
    (longer.endsWith(shorter) && /[-_.]/.test(longer[longer.length - shorter.length - 1]))
}

/**
 * `puppeteer` → `pupeter`: runs of one letter within a word become one
 * letter, delimiters go. A run that ends a word shorter than
 * {@link MIN_LONG_WORD_LENGTH} letters stays: `expres` is not `express`.
 */
function collapsedRuns(name: string): string {
  let folded = ''
  let wordStart = 0
  while (wordStart <= name.length) {
    let wordEnd = wordStart
    while (wordEnd < name.length && !isDelimiter(name[wordEnd])) wordEnd++
    const isShort = wordEnd - wordStart < MIN_LONG_WORD_LENGTH
    for (let at = wordStart; at < wordEnd; at++) {
      const character = name[at]
      if (at === wordStart || character !== name[at - 1] || character < 'a' || character > 'z') {
        folded += character
        continue
      }
      let runEnd = at
      while (runEnd < wordEnd && name[runEnd] === character) runEnd++
      if (isShort && runEnd === wordEnd) folded += name.slice(at, runEnd)
      at = runEnd - 1
    }
    wordStart = wordEnd + 1
  }
  return folded
}

function isDelimiter(character: string): boolean {
  return character === '-' || character === '_' || character === '.'
}

/** `web3-eth-abi` → `web-eth-abi`: the one digit of a name, after three letters or more, dropped; null for other names. */
function droppedDigit(name: string): string | null {
  if (!/\d/.test(name)) return null
  const digit = /^(.*[a-z]{3})\d(?![0-9])(.*)$/.exec(name)
  if (digit === null || /\d/.test(digit[1] + digit[2])) return null
  return digit[1] + digit[2]
}

/**
 * Whether `bare`, published without its scope, would pass for `@scope/bare`.
 * Not for `@types`, whose names are those of the packages they type, nor for
 * a name that starts with the scope or a word of it (`@supabase/supabase-js`,
 * `@angular-eslint/eslint-plugin-template`): the project's own name from
 * before it moved into the scope. Nor when the scope spells out the first
 * word (`@apollographql/graphql-language-service-utils`): a company's fork
 * of the unscoped original.
 */
function isScopedBareTarget(scope: string, bare: string): boolean {
  if (scope === 'types' || bare.length < MIN_SCOPED_BARE_LENGTH || !/[-_.]/.test(bare)) return false
  const first = nameTokens(bare)[0]
  if (first.length >= MIN_NUMBERED_TARGET_LENGTH && withoutDelimiters(scope).includes(first)) return false
  return !nameTokens(scope).some((word) => startsWithWord(bare, word))
}

/**
 * Consonants that differ only in voicing, and `c`/`k`: a name heard rather
 * than read is spelt with either. (Not `s`/`z`: `-ise` and `-ize` are both
 * spellings of the same words.)
 */
const SOUND_ALIKE = new Set(['dt', 'td', 'bp', 'pb', 'gk', 'kg', 'fv', 'vf', 'ck', 'kc'])

/** One letter, inside a word, replaced by one that sounds like it. */
function isSoundAlikeReplacement(typed: string, intended: string): boolean {
  const edit = describeSingleEdit(typed, intended)
  if (edit === null || edit.kind !== 'replaced-character' || isAtWordStart(typed, edit.at) || isAtWordEnd(typed, edit.at)) return false
  const [from, to] = edit.characters.split('→')
  return SOUND_ALIKE.has(from + to)
}

function setIfAbsent<K, V>(map: Map<K, V>, key: K, value: V): void {
  if (!map.has(key)) map.set(key, value)
}
