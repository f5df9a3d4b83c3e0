// A version's registry signature and provenance attestations, checked with
// pacote's own verifier against the registry's public keys (the check
// `npm audit signatures` makes), both fetched the way npm fetches.
import { describeError } from '../errors.js'
import type { ProvenanceFact } from '../model/rule.js'
import { registryJson, type NpmOptions } from './registry-fetch.js'
import { requireCommonJs } from '../model/commonjs.js'

const pacote: typeof import('pacote') = requireCommonJs('pacote')

/** The registry's signing keys, in the shape pacote's verifier takes. */
export type RegistryKeys = unknown[]

// pacote's codes for a verification that ran and failed, as opposed to one that could not run.
const INVALID = new Set(['EINTEGRITYSIGNATURE', 'EATTESTATIONVERIFY', 'EEXPIREDSIGNATUREKEY', 'EMISSINGSIGNATUREKEY', 'EATTESTATIONSUBJECT'])

/** `/-/npm/v1/keys` of the registry, with the registry's auth; throws when it cannot be read. */
export async function fetchRegistryKeys(registry: string, npmOptions: NpmOptions): Promise<RegistryKeys> {
  const answer = await registryJson(registry, '/-/npm/v1/keys', npmOptions)
  const keys: unknown = answer?.keys ?? []
  if (!Array.isArray(keys)) throw Object.assign(new Error(`${registry} answered /-/npm/v1/keys without a keys array`), { code: 'EBADKEYS' })
  return keys.map((key: any) => ({ ...key, pemkey: `-----BEGIN PUBLIC KEY-----\n${key?.key}\n-----END PUBLIC KEY-----` }))
}

/** Verifies `name@version` from `registry`: verified, invalid (a check ran and failed) or unknown (it could not run). */
export async function verifyVersionSignatures(name: string, version: string, registry: string, keys: RegistryKeys, npmOptions: NpmOptions): Promise<ProvenanceFact> {
  const parsed = new URL(registry)
  try {
    await pacote.manifest(`${name}@${version}`, {
      ...npmOptions,
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
