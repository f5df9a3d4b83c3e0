// Reify's unpacking on both cores. Arborist unpacks every package it writes
// with pacote.extract on the main thread (cache read, integrity check,
// gunzip, tar, file writes) while the second core idles: in the bench app's
// cold ci that was 8 s of one busy thread, 95 % of it unpacking. While reify
// runs, pacote.extract hands registry tarballs pinned by an integrity to an
// unpacker (engine/fetch-lanes.ts: the fetch worker takes its share, the rest
// is reify's own call); git, directory and local-file packages, and any
// tarball without an integrity, are unpacked here as before. Arborist calls
// the function through pacote's module object (`pacote.extract(…)` in
// reify.js), so the property is replaced for the reify and put back after.
// The worker unpacks with the same pacote and npm's options: the same bytes
// (the integrity is checked as they are read), the same files.
import { requireCommonJs } from '../model/commonjs.js'

const pacote: { extract: typeof import('pacote').extract } = requireCommonJs('pacote')
const npa: typeof import('npm-package-arg') = requireCommonJs('npm-package-arg')

/** Unpacks one registry tarball somewhere (another thread), or by `local`, reify's own call. */
export interface TarballUnpacker {
  unpack(spec: string, dest: string, options: Record<string, unknown>, local: () => Promise<unknown>): Promise<unknown>
}

type PlainOption = string | number | boolean | null | string[]

const isPlainOption = (value: unknown): value is PlainOption =>
  value === null || ['string', 'number', 'boolean'].includes(typeof value) || (Array.isArray(value) && value.every((entry) => typeof entry === 'string'))

/**
 * Reify's options where they differ from npm's (the unpacker has npm's):
 * the node's resolved URL and integrity, Arborist's allow-* flags, its
 * normalised registry. Only plain values: what Arborist adds besides (its
 * class, its packument cache) serves git and directory packages, which stay here.
 */
function differencesFrom(options: Record<string, unknown>, npmOptions: Record<string, unknown>): Record<string, PlainOption> {
  const differences: Record<string, PlainOption> = {}
  for (const [key, value] of Object.entries(options)) {
    if (value !== npmOptions[key] && isPlainOption(value)) differences[key] = value
  }
  return differences
}

/** A registry tarball reify unpacks by its URL, pinned by an integrity: the kind the unpacker takes. */
function isPinnedTarball(spec: string, options: Record<string, unknown> | undefined): boolean {
  if (typeof options?.integrity !== 'string' || options.integrity === '') return false
  try {
    return npa(spec).type === 'remote'
  } catch {
    return false
  }
}

/** Runs `work` (a reify) with its registry tarballs unpacked by `unpacker`; without one, as Arborist does. */
export async function unpackingWith<T>(unpacker: TarballUnpacker | undefined, npmOptions: Record<string, unknown>, work: () => Promise<T>): Promise<T> {
  if (!unpacker) return await work()
  const original = pacote.extract
  pacote.extract = (spec, dest, options) => {
    const local = () => original(spec, dest, options)
    return isPinnedTarball(spec, options) ? unpacker.unpack(spec, dest, differencesFrom(options, npmOptions), local) : local()
  }
  try {
    return await work()
  } finally {
    pacote.extract = original
  }
}
