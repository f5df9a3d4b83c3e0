import { formatSpan } from '../model/duration.js'
import { isTypedOnCommandLine, matchesAny } from '../model/package-pattern.js'
import type { Advisory, PackageFacts, PackageView, Rule } from '../model/rule.js'
import type { Range } from 'semver'
import { requireCommonJs } from '../model/commonjs.js'

const semver: typeof import('semver') = requireCommonJs('semver')

/** The newest version old enough that satisfies these ranges. */
export function newestMatureVersion(rangesAsked: string[], facts: PackageFacts, cutoff: number): string | null {
  const ranges = rangesAsked.filter((range) => semver.validRange(range) !== null)
  const candidates = (facts.versions ?? []).filter(
    (entry) =>
      entry.publishedAt !== null &&
      entry.publishedAt.getTime() <= cutoff &&
      semver.valid(entry.version) !== null &&
      ranges.every((range) => semver.satisfies(entry.version, range)),
  )
  const sorted = candidates.map((entry) => entry.version).sort(semver.rcompare)
  return sorted.find((version) => semver.prerelease(version) === null) ?? sorted[0] ?? null
}

const CLOCK_SKEW_MS = 5 * 60_000

/** The exclusive upper bounds (`<1.2.3`) of the comparator sets of `range` that `version` is in: the versions the range names as fixed. */
function fixesNamedByRange(range: string, version: string): string[] {
  let parsed: Range
  try {
    parsed = new semver.Range(range, { includePrerelease: true })
  } catch {
    return []
  }
  return parsed.set
    .filter((comparators) => comparators.every((comparator) => comparator.test(version)))
    .flatMap((comparators) => comparators.filter((comparator) => comparator.operator === '<').map((comparator) => comparator.semver.version))
}

/**
 * The advisory against the version this one replaces that names this very
 * version as its fix: the registry's affected range ends right at it
 * (`<4.17.21` for 4.17.21) or OSV's range has `fixed: "4.17.21"`; the old
 * version is affected, this one is not (and is not reported by it). Null: none.
 */
export function securityFixOf(pkg: PackageView, facts: PackageFacts): Advisory | null {
  const replaced = pkg.replacesVersion
  if (!replaced || semver.valid(replaced) === null || semver.valid(pkg.version) === null || !semver.gt(pkg.version, replaced)) return null
  const stillReported = new Set((facts.advisories ?? []).map((advisory) => advisory.id))
  for (const advisory of facts.replacedAdvisories ?? []) {
    if (stillReported.has(advisory.id)) continue
    const range = advisory.vulnerableVersions
    if (range !== undefined) {
      const options = { includePrerelease: true }
      if (semver.validRange(range) === null || !semver.satisfies(replaced, range, options) || semver.satisfies(pkg.version, range, options)) continue
      if (fixesNamedByRange(range, replaced).some((fixed) => semver.eq(fixed, pkg.version))) return advisory
    } else if ((advisory.fixedIn ?? []).some((fixed) => semver.valid(fixed) !== null && semver.eq(fixed, pkg.version))) {
      return advisory
    }
  }
  return null
}

export const minimumReleaseAgeRule: Rule = {
  meta: {
    id: 'minimum-release-age',
    description: 'Versions younger than the minimum release age are not installed: most malicious versions are found and pulled within days.',
    defaultSeverity: 'block',
    appliesAtRegistry: true,
    messages: {
      'too-young': '{name}@{version} was published {published} ({age} ago), younger than the minimum release age of {limit}',
      'unknown-publish-time': '{name}@{version} has no publish time in its packument, so its age cannot be checked',
      'future-publish-time': '{name}@{version} claims a publish time in the future ({published}, {ahead} from now), so its age cannot be trusted',
      'security-fix': '{name}@{version} is younger than the minimum release age ({age} old, limit {limit}) but passes as the fix of {advisory} ({summary}), which affects {replaced}, the version it replaces',
    },
    hints: {
      'too-young': '{mature}',
      'unknown-publish-time': 'Add an exception if the registry never records publish times.',
      'future-publish-time': 'A registry does not record times ahead of its own clock: check the registry (or this machine\'s clock) before trusting this version.',
      'security-fix': 'minimumReleaseAge.allowSecurityFixes let it through; every other rule still judged it. Review the release ({url}) before relying on it.',
    },
    severities: { 'unknown-publish-time': { setting: 'minimumReleaseAge.missingTime' }, 'security-fix': { atMost: 'warn' } },
    needs: (policy) => ({ facts: true, advisories: policy.minimumReleaseAge.allowSecurityFixes }),
  },
  explain(pkg, facts, { policy, now }) {
    const publishedAt = facts.version?.publishedAt ?? null
    return {
      published: publishedAt ? publishedAt.toISOString() : null,
      age: publishedAt ? formatSpan(Math.max(0, now.getTime() - publishedAt.getTime())) : null,
      limit: policy.minimumReleaseAge.age,
      excluded: matchesAny(policy.minimumReleaseAge.exclude, pkg.name, pkg.version) !== null,
    }
  },
  check(pkg, facts, { policy, now, requestedOnCommandLine = [] }) {
    if (pkg.source !== 'registry' || facts.status !== 'known') return []
    if (matchesAny(policy.minimumReleaseAge.exclude, pkg.name, pkg.version)) return []
    const publishedAt = facts.version?.publishedAt
    if (!publishedAt) {
      return [
        { messageId: 'unknown-publish-time', args: { name: pkg.name, version: pkg.version } },
      ]
    }
    const age = now.getTime() - publishedAt.getTime()
    // A time ahead of now is no age at all: a registry (or a proxy) that claims it is not to be believed.
    // A few minutes are clock skew between this machine and the registry.
    if (age < -CLOCK_SKEW_MS) {
      return [
        {
          messageId: 'future-publish-time',
          args: { name: pkg.name, version: pkg.version, published: publishedAt.toISOString(), ahead: formatSpan(-age) },
        },
      ]
    }
    if (age >= policy.minimumReleaseAge.ageMs) return []
    const fix = policy.minimumReleaseAge.allowSecurityFixes ? securityFixOf(pkg, facts) : null
    if (fix) {
      return [
        {
          messageId: 'security-fix',
          args: {
            name: pkg.name,
            version: pkg.version,
            age: formatSpan(age),
            limit: policy.minimumReleaseAge.age,
            advisory: fix.id,
            summary: fix.summary,
            source: fix.source,
            replaced: `${pkg.name}@${pkg.replacesVersion}`,
            url: fix.url ?? fix.id,
          },
        },
      ]
    }
    const cutoff = now.getTime() - policy.minimumReleaseAge.ageMs
    const until = new Date(publishedAt.getTime() + policy.minimumReleaseAge.ageMs).toISOString()
    // First a version that fits every range as written; else one that fits what
    // other packages ask, for which the project's own range would have to change.
    const withinProjectRange = newestMatureVersion([...pkg.requestedRanges, ...(pkg.projectRange ? [pkg.projectRange] : [])], facts, cutoff)
    // Outside the project's range, the closest older release is the least surprising suggestion.
    const mature =
      withinProjectRange ??
      newestMatureVersion([...pkg.requestedRanges, `<${pkg.version}`], facts, cutoff) ??
      newestMatureVersion(pkg.requestedRanges, facts, cutoff)
    // A young version kept in the lockfile is not the user's choice: install and
    // update hold it back to the mature one every dependent accepts (the engine
    // resolves that one name again), unless the policy prefers a block.
    const canHoldBack = pkg.isFromLockfile && withinProjectRange !== null && policy.minimumReleaseAge.lockfile === 'hold-back'
    return [
      {
        ...(canHoldBack ? { remedy: { reresolve: pkg.name, reason: `published ${formatSpan(age)} ago` } } : {}),
        messageId: 'too-young',
        args: {
          name: pkg.name,
          version: pkg.version,
          published: publishedAt.toISOString(),
          age: formatSpan(age),
          limit: policy.minimumReleaseAge.age,
          matureVersion: mature ?? '',
          mature: canHoldBack
            ? `${pkg.name}@${mature} is old enough and satisfies what depends on it: safe-npm install moves package-lock.json to it and changes nothing else (npm ci cannot change the lockfile); or wait until ${until}.`
            : withinProjectRange
            ? `${pkg.name}@${mature} is old enough and satisfies what depends on it: pin it, or wait until ${until}.`
            : mature && isTypedOnCommandLine(pkg, requestedOnCommandLine)
              ? `${pkg.name}@${mature} is old enough: install that one instead, or wait until ${until}.`
              : mature
              ? `${pkg.name}@${mature} is old enough: change "${pkg.name}": "${pkg.projectRange}" in package.json to it, or wait until ${until}.`
              : `No older version satisfies what depends on it; wait until ${until} or add a reviewed exception.`,
        },
      },
    ]
  },
}
