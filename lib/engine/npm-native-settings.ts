// The part of a policy that plain npm (11.19 and later) can enforce itself,
// before anything runs: as npm settings for the project's .npmrc and the
// allowScripts field of package.json. `safe-npm init` writes them and
// `safe-npm doctor` compares them with what npm would use.
import { parsePackagePattern } from '../model/package-pattern.js'
import type { EffectivePolicy, SourceReach } from '../model/policy.js'
import { requireCommonJs } from '../model/commonjs.js'

const semver: typeof import('semver') = requireCommonJs('semver')

const DAY_MS = 86_400_000

/** How a value already set compares: only a looser one needs changing. */
export type Strictness = 'flag' | 'days' | 'reach' | 'list'

export interface NpmrcSetting {
  key: string
  value: string
  strictness: Strictness
  /** What the setting makes plain npm do, for init and doctor to say. */
  stops: string
}

export interface NpmNativeSettings {
  npmrc: NpmrcSetting[]
  /** package.json allowScripts entries: the policy's scripts.allow entries npm can express. */
  allowScripts: Record<string, boolean>
  /** Policy entries npm has no way to say (a glob, a range): plain npm treats those packages as unreviewed. */
  unexpressed: string[]
}

/** none < root < all, as npm's allow-git and friends read them. */
const REACH_ORDER = ['none', 'root', 'all']
const NPM_REACH: Record<SourceReach, string> = { none: 'none', direct: 'root', all: 'all' }

/** npm's allowScripts keys: a bare name, or a name with exact versions joined by `||` (no globs, no ranges). */
function npmAllowScriptsKey(pattern: string): string | null {
  const { name, range } = parsePackagePattern(pattern)
  if (/[*?[\]{}!]/.test(name)) return null
  if (range === null || range === '*') return name
  const versions = range.split('||').map((part) => part.trim())
  return versions.every((version) => semver.valid(version) === version) ? `${name}@${versions.join(' || ')}` : null
}

export function npmNativeSettings(policy: EffectivePolicy): NpmNativeSettings {
  const npmrc: NpmrcSetting[] = [
    {
      key: 'strict-allow-scripts',
      value: 'true',
      strictness: 'flag',
      stops: 'an install whose dependencies have install scripts not listed in allowScripts fails before anything is written (without it npm 11 runs them with a notice)',
    },
  ]
  if (policy.rules['minimum-release-age'] !== 'off' && policy.minimumReleaseAge.ageMs > 0) {
    const days = Math.ceil(policy.minimumReleaseAge.ageMs / DAY_MS)
    npmrc.push({
      key: 'min-release-age',
      value: String(days),
      strictness: 'days',
      stops: `npm installs no version younger than ${days} day${days === 1 ? '' : 's'}: it resolves older ones, and fails (ETARGET) where a pin or the lockfile names a younger one`,
    })
    const names = policy.minimumReleaseAge.exclude.filter((pattern) => parsePackagePattern(pattern).range === null)
    if (names.length > 0) {
      npmrc.push({ key: 'min-release-age-exclude', value: names.join(','), strictness: 'list', stops: 'the same packages are exempt from the age limit as in the policy' })
    }
  }
  const sourcesOff = policy.rules.sources === 'off'
  for (const source of ['git', 'remote', 'file', 'directory'] as const) {
    const value = sourcesOff ? 'all' : NPM_REACH[policy.sources[source]]
    const what = { git: 'git', remote: 'tarball URL', file: 'tarball file', directory: 'directory' }[source]
    npmrc.push({
      key: `allow-${source}`,
      value,
      strictness: 'reach',
      stops: value === 'none' ? `no ${what} dependency is fetched` : value === 'root' ? `${what} dependencies only where package.json names them` : `${what} dependencies anywhere (as the policy allows)`,
    })
  }
  const allowScripts: Record<string, boolean> = {}
  const unexpressed: string[] = []
  for (const [pattern, allowed] of Object.entries(policy.scripts.allow)) {
    const key = npmAllowScriptsKey(pattern)
    if (key === null) unexpressed.push(pattern)
    else allowScripts[key] = allowed
  }
  return { npmrc, allowScripts, unexpressed }
}

/** True when `current` (what npm has now) enforces at least what `wanted` does. */
export function isAsStrict(setting: NpmrcSetting, current: string | null): boolean {
  if (current === null) return false
  switch (setting.strictness) {
    case 'flag':
      return current === setting.value
    case 'days':
      return Number.isFinite(Number(current)) && Number(current) >= Number(setting.value)
    case 'reach':
      return REACH_ORDER.includes(current) && REACH_ORDER.indexOf(current) <= REACH_ORDER.indexOf(setting.value)
    case 'list': {
      // Every exemption npm has must be one the policy makes; fewer is stricter but fails resolutions the policy allows.
      const set = (value: string) => new Set(value.split(',').map((part) => part.trim()).filter(Boolean))
      const [have, want] = [set(current), set(setting.value)]
      return have.size === want.size && [...want].every((name) => have.has(name))
    }
  }
}
