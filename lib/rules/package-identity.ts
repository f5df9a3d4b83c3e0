// What is judged must be what gets installed. A registry package carries its
// identity several times over: the folder it goes into, the name and version
// package-lock.json (or the registry's manifest) claims, the names the
// dependents ask for (an npm alias asks for its target) and the tarball URL it
// is fetched from. npm checks none of them against each other, so a lockfile
// entry `node_modules/fresh-pkg` claiming `left-pad-lite@1.0.0` but resolved
// at fresh-pkg-1.0.1.tgz installs fresh-pkg 1.0.1. The package view names the
// package by its tarball; this rule reports every claim that disagrees.
//
// The URL alone does not name the bytes: pacote serves a tarball from npm's
// cache by its integrity, whatever the URL says, so a lockfile entry with a
// benign `resolved` and the integrity of other cached bytes installs those.
// The integrity is therefore compared with the one the registry published for
// the package the URL names.
import { parseRegistryTarball } from '../model/registry-url.js'
import type { RawFinding, Rule } from '../model/rule.js'

/** Algorithm → digests of an integrity string, parsed as ssri does (loose): `algo-digest?options`, space separated. */
function hashesOf(integrity: string): Map<string, Set<string>> {
  const hashes = new Map<string, Set<string>>()
  for (const token of integrity.trim().split(/\s+/)) {
    const match = /^([a-z0-9]+)-([^?]+)([?\S*]*)$/.exec(token)
    if (!match) continue
    const [, algorithm, digest] = match
    hashes.set(algorithm, (hashes.get(algorithm) ?? new Set()).add(digest))
  }
  return hashes
}

/**
 * Whether `claimed` is the registry's integrity: every digest it gives in an
 * algorithm the registry also published must be the registry's. Algorithms
 * the registry did not publish cannot be compared (pacote's rule too: a
 * lockfile may keep a sha512 where the registry only has the sha1 of an old
 * publish), and the digest cacache looks content up by is the sha512 the
 * registry publishes for every current version.
 */
function isRegistryIntegrity(claimed: string, published: string): boolean {
  const registry = hashesOf(published)
  for (const [algorithm, digests] of hashesOf(claimed)) {
    const known = registry.get(algorithm)
    if (known && [...digests].some((digest) => !known.has(digest))) return false
  }
  return true
}

export const packageIdentityRule: Rule = {
  meta: {
    id: 'package-identity',
    description:
      'The folder, the name and version package-lock.json or the registry manifest claims, the names dependents ask for (npm aliases included) and the resolved tarball URL all name the same package and version, and its integrity is the one the registry published for it.',
    defaultSeverity: 'block',
    messages: {
      'name-mismatch':
        'The names of {location} disagree: folder "{folder}", asked for as "{requested}", {claimedBy} says "{name}", the resolved tarball is "{tarballName}" ({resolved})',
      'version-mismatch':
        'The versions of {location} disagree: {claimedBy} says {name}@{version}, the resolved tarball is {tarballName}@{tarballVersion} ({resolved})',
      'tarball-mismatch':
        'The resolved tarball of {location} is not named after its package: {resolved} is under "{tarballName}" but its file is "{file}"',
      'integrity-mismatch':
        'The integrity of {location} is not the one the registry published for {package}: {claimedBy} says {integrity}, the registry says {registryIntegrity}',
    },
    hints: {
      'name-mismatch':
        'package-lock.json or the registry may have been tampered with: delete the entry and resolve it again, and if a fresh resolution says the same, report the registry (or proxy) that serves it.',
      'version-mismatch':
        'package-lock.json or the registry may have been tampered with: delete the entry and resolve it again, and if a fresh resolution says the same, report the registry (or proxy) that serves it.',
      'tarball-mismatch': 'A registry names every tarball after its package (/<name>/-/<name>-<version>.tgz): delete the entry and resolve it again.',
      'integrity-mismatch':
        "npm would install whatever bytes have this integrity (from its cache, whatever the URL says): package-lock.json may have been tampered with. Delete the entry's integrity (or the entry) and resolve it again; if a fresh resolution says the same, report the registry (or proxy) that serves it.",
    },
    needs: () => ({ facts: true }),
  },
  check(pkg, facts) {
    // Git, file, directory and remote sources name themselves by their spec; bundled ones come inside another tarball.
    if (pkg.source !== 'registry' || pkg.claimedName === undefined) return []
    const claimedName = pkg.claimedName
    const claimedVersion = pkg.claimedVersion ?? pkg.version
    const folder = pkg.folderName ?? claimedName
    const requested = pkg.requestedNames && pkg.requestedNames.length > 0 ? pkg.requestedNames : [folder]
    // Without a resolved URL npm fetches the claimed name@version; a URL without the registry shape cannot be read.
    const tarball = pkg.resolved ? parseRegistryTarball(pkg.resolved) : null
    const identity = tarball?.name ?? claimedName
    const args = {
      location: pkg.location,
      folder,
      requested: requested.join('", "'),
      claimedBy: pkg.isFromLockfile ? 'package-lock.json' : 'the manifest',
      name: claimedName,
      version: claimedVersion,
      resolved: pkg.resolved ?? 'none',
      tarballName: tarball?.name ?? 'unknown',
    }
    const findings: RawFinding[] = []
    if (claimedName !== identity || requested.some((name) => name !== identity)) {
      findings.push({ messageId: 'name-mismatch', args })
    }
    if (tarball && tarball.version === null) {
      findings.push({ messageId: 'tarball-mismatch', args: { ...args, file: tarball.file } })
    } else if (tarball?.version && tarball.version !== claimedVersion) {
      findings.push({ messageId: 'version-mismatch', args: { ...args, tarballVersion: tarball.version } })
    }
    // No integrity in the entry: npm fetches the URL and records what it got. No published integrity: nothing to compare.
    const published = facts.status === 'known' ? facts.version?.integrity : null
    if (pkg.integrity && published && !isRegistryIntegrity(pkg.integrity, published)) {
      findings.push({
        messageId: 'integrity-mismatch',
        args: { ...args, package: `${pkg.name}@${pkg.version}`, integrity: pkg.integrity, registryIntegrity: published },
      })
    }
    return findings
  },
}
