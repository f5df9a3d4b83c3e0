// Provenance for the packages the policy names (provenance.require): the
// registry signature and the attestations of each version are verified with
// pacote's own verifier and the registry's public keys. Only these packages
// cost a request; everything else reads provenance presence from the facts.
import { matchesAny } from '../model/package-pattern.js'
import { registryFor } from '../model/registry-url.js'
import type { PackageFacts, PackageView, ProvenanceFact } from '../model/rule.js'
import { fetchRegistryKeys, verifyVersionSignatures, type RegistryKeys } from '../npm/registry-signatures.js'

export interface ProvenanceOptions {
  npmOptions: Record<string, any>
  defaultRegistry: string
  scopedRegistries: Record<string, string>
}

async function registryKeys(registry: string, npmOptions: Record<string, any>): Promise<RegistryKeys | Error> {
  try {
    return await fetchRegistryKeys(registry, npmOptions)
  } catch (error) {
    return error as Error
  }
}

async function verifyOne(pkg: PackageView, registry: string, keys: RegistryKeys | Error, options: ProvenanceOptions): Promise<ProvenanceFact> {
  if (keys instanceof Error) return { state: 'unknown', detail: `the registry's signing keys could not be read: ${keys.message.split('\n')[0]}` }
  return verifyVersionSignatures(pkg.name, pkg.version, registry, keys, options.npmOptions)
}

export async function verifyRequiredProvenance(
  packages: PackageView[],
  facts: Map<string, PackageFacts>,
  patterns: string[],
  options: ProvenanceOptions,
): Promise<void> {
  const required = packages.filter(
    (pkg) => pkg.source === 'registry' && matchesAny(patterns, pkg.name, pkg.version) && facts.get(pkg.location)?.status === 'known',
  )
  if (required.length === 0) return
  const keysByRegistry = new Map<string, Promise<RegistryKeys | Error>>()
  await Promise.all(
    required.map(async (pkg) => {
      const known = facts.get(pkg.location)!
      const registry = registryFor(pkg.name, options.scopedRegistries, options.defaultRegistry)
      if (!keysByRegistry.has(registry)) keysByRegistry.set(registry, registryKeys(registry, options.npmOptions))
      // The registry signature is checked even without an attestation: a tampered
      // version must not pass for one that merely lacks provenance.
      const verified = await verifyOne(pkg, registry, await keysByRegistry.get(registry)!, options)
      const isMissing = !known.version?.hasProvenance && verified.state !== 'invalid'
      known.provenance = isMissing
        ? { state: 'missing', detail: `no provenance attestation was published with this version${verified.state === 'unknown' ? ` (and its signature could not be checked: ${verified.detail})` : ''}` }
        : verified
    }),
  )
}
