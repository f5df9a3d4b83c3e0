// Package patterns as the policy writes them: a name glob (minimatch) with an
// optional semver range: "left-pad", "@evil/*", "event-stream@3.3.6", "sharp@^0.33".
import type { Minimatch as MinimatchType } from 'minimatch'
import { requireCommonJs } from './commonjs.js'

const semver: typeof import('semver') = requireCommonJs('semver')
// minimatch's CommonJS build, the one Arborist loads anyway: its ESM build would be a second copy to load.
const { Minimatch }: typeof import('minimatch') = requireCommonJs('minimatch')

export interface PackagePattern {
  name: string
  range: string | null
}

export function parsePackagePattern(pattern: string): PackagePattern {
  const at = pattern.lastIndexOf('@')
  if (at > 0) return { name: pattern.slice(0, at), range: pattern.slice(at + 1) || null }
  return { name: pattern, range: null }
}

// Patterns only ever name packages: no negation, comments or extglobs that
// could turn one entry into match-everything.
const MINIMATCH_OPTIONS = { nonegate: true, nocomment: true, noext: true }

/** Compiled patterns: a policy has few, matched against every package (every version, at the registry). */
const compiled = new Map<string, MinimatchType>()
const MAX_COMPILED = 1000

export function matchesName(pattern: string, name: string): boolean {
  if (pattern === name) return true
  let matcher = compiled.get(pattern)
  if (!matcher) {
    if (compiled.size >= MAX_COMPILED) compiled.clear()
    matcher = new Minimatch(pattern, MINIMATCH_OPTIONS)
    compiled.set(pattern, matcher)
  }
  return matcher.match(name)
}

/** True when `name@version` is covered by the pattern. A range never matches a non-semver version. */
export function matchesPackage(pattern: string, name: string, version: string): boolean {
  const parsed = parsePackagePattern(pattern)
  if (!matchesName(parsed.name, name)) return false
  if (!parsed.range) return true
  return semver.valid(version) !== null && semver.satisfies(version, parsed.range, { includePrerelease: true })
}

export function matchesAny(patterns: Iterable<string>, name: string, version: string): string | null {
  for (const pattern of patterns) if (matchesPackage(pattern, name, version)) return pattern
  return null
}

/** The package name of a spec as typed: `jqeury@3` and `@scope/name@^1` without their range. */
function nameOfSpec(spec: string): string {
  const at = spec.indexOf('@', spec.startsWith('@') ? 1 : 0)
  return at === -1 ? spec : spec.slice(0, at)
}

/** Being added from the command line (`safe-npm install jqeury`), not declared in package.json. */
export function isTypedOnCommandLine(pkg: { name: string; isDirect: boolean }, specs: string[]): boolean {
  return pkg.isDirect && specs.some((spec) => nameOfSpec(spec) === pkg.name)
}
