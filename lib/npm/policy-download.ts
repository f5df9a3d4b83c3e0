// Organisation policies published as npm packages or served from a URL: the
// bytes, fetched the way npm fetches (pacote for a registry package, with the
// configured registry, scoped registries, auth, proxy and CA;
// npm-registry-fetch for a URL, with npm's transport settings and no
// credentials). Only data files are taken out of a package, in memory: no
// file of it is ever written, loaded as code or run.
import { Readable } from 'node:stream'
import type { ReadEntry } from 'tar'
import { thirdPartyRequest } from './registry-fetch.js'
import { requireCommonJs } from '../model/commonjs.js'

const pacote: typeof import('pacote') = requireCommonJs('pacote')

/** What a policy package may hold that is read: JSON and YAML files, each at most this large. */
const DATA_FILE = /\.(json|ya?ml)$/i
const MAX_FILE_BYTES = 1024 * 1024
const MAX_FILES = 1000

export interface DownloadedPackage {
  /** The tarball's bytes, verified by pacote against the registry's integrity (and the pinned one, when given). */
  tarball: Buffer
  /** The integrity pacote verified (the registry's, `sha512-…`). */
  integrity: string
  resolved: string
}

/** name@version from the configured registry; pacote refuses bytes that do not match `integrity`. */
export async function downloadPackage(name: string, version: string, npmOptions: Record<string, any>, integrity?: string): Promise<DownloadedPackage> {
  const data = await pacote.tarball(`${name}@${version}`, { ...npmOptions, ...(integrity ? { integrity } : {}) })
  return { tarball: data, integrity: String(data.integrity), resolved: String(data.resolved) }
}

/** The JSON and YAML files of a package tarball (paths relative to the package folder), read in memory. */
export async function dataFilesOf(tarball: Buffer): Promise<Map<string, string>> {
  // tar's CommonJS build, the one pacote uses (loaded here: only an organisation policy from a package reads a tarball).
  const { Parser }: typeof import('tar') = requireCommonJs('tar')
  return new Promise((resolve, reject) => {
    const files = new Map<string, string>()
    const parser = new Parser({
      onwarn(code: string, message: string) {
        if (code === 'TAR_BAD_ARCHIVE' || code === 'TAR_ABORT') reject(Object.assign(new Error(message), { code }))
      },
      onReadEntry(entry: ReadEntry) {
        // npm unpacks the first folder of the archive as the package itself.
        const file = entry.path.replace(/\\/g, '/').split('/').slice(1).join('/')
        const isData = entry.type === 'File' && DATA_FILE.test(file) && entry.size <= MAX_FILE_BYTES && files.size < MAX_FILES
        if (!isData || file.split('/').includes('..')) return entry.resume()
        const chunks: Buffer[] = []
        entry.on('data', (chunk: Buffer) => chunks.push(chunk))
        entry.on('end', () => files.set(file, Buffer.concat(chunks).toString('utf8')))
      },
    })
    parser.on('error', reject)
    parser.on('end', () => resolve(files))
    Readable.from([tarball]).pipe(parser)
  })
}

/** The bytes at an https URL (http on loopback only: the caller checks), with npm's proxy and CA and no credentials. */
export async function downloadUrl(url: string, npmOptions: Record<string, any>): Promise<Buffer> {
  const answer = await thirdPartyRequest(url, npmOptions, { headers: { accept: 'application/json, application/yaml, text/yaml, text/plain' } })
  return answer.bytes()
}
