// Provenance for the packages the policy names (provenance.require): the
// registry signature and the attestations of each version are verified with
// pacote's own verifier and the registry's public keys. Only these packages
// cost a request; everything else reads provenance presence from the facts.
import npmFetch from 'npm-registry-fetch'
import { describeError } from '../errors.js'
import pacote from 'pacote'
import { matchesAny } from '../model/package-pattern.js'
import { registryFor } from '../model/registry-url.js'
import type { PackageFacts, PackageView, ProvenanceFact } from '../model/rule.js'

export interface ProvenanceOptions {
  npmOptions: Record<string, any>
  defaultRegistry: string
  scopedRegistries: Record<string, string>
}

// pacote's codes for a verification that ran and failed, as opposed to one that could not run.
const INVALID = new Set(['EINTEGRITYSIGNATURE', 'EATTESTATIONVERIFY', 'EEXPIREDSIGNATUREKEY', 'EMISSINGSIGNATUREKEY', 'EATTESTATIONSUBJECT'])

async function registryKeys(registry: string, npmOptions: Record<string, any>): Promise<unknown[] | Error> {
  try {
    const answer = await npmFetch.json('/-/npm/v1/keys', { ...npmOptions, registry })
    return (answer?.keys ?? []).map((key: any) => ({ ...key, pemkey: `-----BEGIN PUBLIC KEY-----\n${key.key}\n-----END PUBLIC KEY-----` }))
  } catch (error) {
    return error as Error
  }
}

async function verifyOne(pkg: PackageView, registry: string, keys: unknown[] | Error, options: ProvenanceOptions): Promise<ProvenanceFact> {
  if (keys instanceof Error) return { state: 'unknown', detail: `the registry's signing keys could not be read: ${keys.message.split('\n')[0]}` }
  const parsed = new URL(registry)
  try {
    await pacote.manifest(`${pkg.name}@${pkg.version}`, {
      ...options.npmOptions,
      registry,
      verifySignatures: true,
      verifyAttestations: true,
      [`//${parsed.host}${parsed.pathname}:_keys`]: keys,
    })
    return { state: 'verified', detail: 'registry signature and attestations verified' }
  } catch (error) {
    const code = (error as { code?: string }).code
    return { state: code && INVALID.has(code) ? 'invalid' : 'unknown', detail: describeError(error) }
  }
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
  const keysByRegistry = new Map<string, Promise<unknown[] | Error>>()
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
