import semver from 'semver'
import { formatSpan } from '../model/duration.js'
import { matchesAny } from '../model/package-pattern.js'
import type { PackageFacts, Rule } from '../model/rule.js'

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
    },
    hints: {
      'too-young': '{mature}',
      'unknown-publish-time': 'Add an exception if the registry never records publish times.',
      'future-publish-time': 'A registry does not record times ahead of its own clock: check the registry (or this machine\'s clock) before trusting this version.',
    },
    severities: { 'unknown-publish-time': { setting: 'minimumReleaseAge.missingTime' } },
    needs: () => ({ facts: true }),
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
  check(pkg, facts, { policy, now }) {
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
            : mature
              ? `${pkg.name}@${mature} is old enough: change "${pkg.name}": "${pkg.projectRange}" in package.json to it, or wait until ${until}.`
              : `No older version satisfies what depends on it; wait until ${until} or add a reviewed exception.`,
        },
      },
    ]
  },
}
