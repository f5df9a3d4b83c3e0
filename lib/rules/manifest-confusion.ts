// The registry does not check that a version's manifest matches the
// package.json inside its tarball, and npm acts on the tarball's once it is
// unpacked ("manifest confusion", 2023). What was judged (the manifest Arborist
// resolved with, the registry facts) must be what the tarball declares.
import type { PackageFacts, PackageView, RawFinding, Rule } from '../model/rule.js'
import { installScriptDisagreements } from './install-scripts.js'
import { requireCommonJs } from '../model/commonjs.js'

const semver: typeof import('semver') = requireCommonJs('semver')

type Differences = string[]

/** Entries only in the tarball, only in what was judged, and changed: `+name@spec`, `-name@spec`, `name: a → b`. */
function compareMaps(judged: Record<string, string>, tarball: Record<string, string>, joiner = '@'): Differences {
  const differences: Differences = []
  for (const key of Object.keys(tarball).sort()) {
    if (!(key in judged)) differences.push(`only in the tarball: ${key}${joiner}${tarball[key]}`)
    else if (judged[key] !== tarball[key]) differences.push(`${key}: ${judged[key]} in the registry, ${tarball[key]} in the tarball`)
  }
  for (const key of Object.keys(judged).sort()) {
    if (!(key in tarball)) differences.push(`only in the registry: ${key}${joiner}${judged[key]}`)
  }
  return differences
}

/** What npm installs for a manifest: optional dependencies are dependencies too (and win when listed in both). */
function installedDependencies(manifest: { dependencies: Record<string, string>; optionalDependencies: Record<string, string> }): Record<string, string> {
  return { ...manifest.dependencies, ...manifest.optionalDependencies }
}

function sameVersion(a: string, b: string | null): boolean {
  if (b === null) return false
  const left = semver.valid(a, { loose: true })
  const right = semver.valid(b, { loose: true })
  return left !== null && right !== null ? semver.eq(left, right, { loose: true }) : a === b
}

export function manifestDifferences(pkg: PackageView, facts: PackageFacts): RawFinding[] {
  const tarball = facts.tarball
  if (!tarball) return []
  const about = { name: pkg.name, version: pkg.version }
  if (tarball.state === 'unreadable') return [{ messageId: 'tarball-unreadable', args: { ...about, reason: tarball.reason } }]
  const { manifest, declared } = tarball
  const findings: RawFinding[] = []
  if (manifest.name !== pkg.name || !sameVersion(pkg.version, manifest.version)) {
    findings.push({ messageId: 'identity-differs', args: { ...about, tarballName: manifest.name ?? '(none)', tarballVersion: manifest.version ?? '(none)' } })
  }
  const scripts = installScriptDisagreements(pkg, facts).map(({ event, registry, tarball }) =>
    registry === null ? `only in the tarball: ${event}: ${tarball}` : tarball === null ? `only in the registry: ${event}: ${registry}` : `${event}: ${registry} in the registry, ${tarball} in the tarball`,
  )
  // npm never runs prepare of a registry tarball; it is compared where the resolved manifest lists scripts at all.
  if (declared.hasScriptList) {
    scripts.push(...compareMaps(declared.scripts.prepare ? { prepare: declared.scripts.prepare } : {}, manifest.scripts.prepare ? { prepare: manifest.scripts.prepare } : {}, ': '))
  }
  if (scripts.length > 0) findings.push({ messageId: 'scripts-differ', args: { ...about, differences: scripts.join('; ') } })
  const dependencies = [
    ...compareMaps(installedDependencies(declared), installedDependencies(manifest)),
    ...compareMaps(declared.peerDependencies, manifest.peerDependencies).map((difference) => `peer ${difference}`),
  ]
  if (dependencies.length > 0) findings.push({ messageId: 'dependencies-differ', args: { ...about, differences: dependencies.join('; ') } })
  const bin = compareMaps(declared.bin, manifest.bin, ' → ')
  if (bin.length > 0) findings.push({ messageId: 'bin-differs', args: { ...about, differences: bin.join('; ') } })
  return findings
}

export const manifestConfusionRule: Rule = {
  meta: {
    id: 'manifest-confusion',
    description:
      "Before anything is written, the package.json inside each tarball the install adds or changes must declare what the registry showed: name, version, install scripts (and an implicit node-gyp build), dependencies and bin.",
    defaultSeverity: 'block',
    messages: {
      'scripts-differ': "{name}@{version}: the tarball's package.json has other install scripts than the registry shows: {differences}",
      'dependencies-differ': "{name}@{version}: the tarball's package.json has other dependencies than the registry shows: {differences}",
      'bin-differs': "{name}@{version}: the tarball's package.json links other commands than the registry shows: {differences}",
      'identity-differs': '{name}@{version}: the tarball says it is {tarballName}@{tarballVersion}',
      'tarball-unreadable': "{name}@{version}: the tarball's package.json could not be read, so what it declares is unknown: {reason}",
    },
    hints: {
      'scripts-differ': 'The registry manifest hides what npm would run. Do not install this version; report it to the registry and the maintainers.',
      'dependencies-differ': 'npm would install dependencies that were never checked. Do not install this version; report it to the registry and the maintainers.',
      'bin-differs': 'The tarball would link commands nobody reviewed (or shadow others on PATH). Do not install this version; report it.',
      'identity-differs': 'The tarball is not the package it claims to be. Check the lockfile entry and the registry.',
      'tarball-unreadable': 'Rerun when the registry answers; an integrity failure means the bytes are not the ones locked.',
    },
    needs: () => ({ facts: true, tarballManifests: true }),
    readsTarballs: true,
  },
  check: manifestDifferences,
  explain(_pkg, facts) {
    const tarball = facts.tarball
    return { tarball: !tarball ? 'not read' : tarball.state === 'read' ? 'read: its package.json was compared' : `unreadable: ${tarball.reason}` }
  },
}
