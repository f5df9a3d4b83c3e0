// HTTP for everything the guard asks besides Arborist: the feeds, the signing
// keys, the dependency-confusion probe. Every request goes through
// npm-registry-fetch (make-fetch-happen, @npmcli/agent) with npm's flat
// options, so proxy, https-proxy, noproxy, ca/cafile, strict-ssl,
// fetch-timeout, fetch-retries and offline apply exactly as they do to npm.
//
// Two modes. A registry request is npm's own: the registry's credentials and
// npm's HTTP cache. A third-party request (OSV, a deny-list host, the public
// registry probed for private names) gets only the transport settings and
// never any credential from .npmrc, whatever host it names.
import { requireCommonJs } from '../model/commonjs.js'

const npmFetch: typeof import('npm-registry-fetch') = requireCommonJs('npm-registry-fetch')


export type NpmOptions = Record<string, any>

export interface HttpRequest {
  method?: 'GET' | 'POST'
  /** Sent as JSON (content-type application/json). */
  json?: unknown
  headers?: Record<string, string>
}

export interface HttpAnswer {
  /** A status below 400 (errors throw an HttpRequestError). */
  status: number
  /** The URL that answered, after any redirect. */
  url: string
  header(name: string): string | null
  text(): Promise<string>
  /** The body's bytes as sent (no decoding, no BOM stripped): what an integrity pins. */
  bytes(): Promise<Buffer>
}

/**
 * A request that got no usable answer: `statusCode` is set when the server
 * answered with an error status; otherwise `code` names what went wrong
 * (ECONNREFUSED, ETIMEDOUT, EOFFLINE, EBADJSON…).
 */
export class HttpRequestError extends Error {
  readonly code: string
  readonly statusCode: number | null

  constructor(message: string, code: string, statusCode: number | null = null, options?: { cause?: unknown }) {
    super(message)
    this.name = 'HttpRequestError'
    this.code = code
    this.statusCode = statusCode
    if (options?.cause !== undefined) this.cause = options.cause
  }
}

// What a third-party request may take from npm's options: how to reach the
// network, never whom to claim to be. (`cert`/`key` are client certificates
// for the registry, so they stay behind too.)
const TRANSPORT_OPTIONS = ['proxy', 'httpsProxy', 'noProxy', 'ca', 'strictSSL', 'timeout', 'retry', 'localAddress', 'maxSockets', 'userAgent']

/** JSON from an endpoint of the registry itself (`path` like `/-/npm/v1/keys`), with npm's auth and cache. */
export async function registryJson(registry: string, path: string, npmOptions: NpmOptions, request: HttpRequest = {}): Promise<any> {
  const method = request.method ?? 'GET'
  const url = new URL(path.replace(/^\//, ''), registry.endsWith('/') ? registry : `${registry}/`).href
  // npm's cache answers GETs offline; nothing would answer anything else.
  if (npmOptions.offline && method !== 'GET') throw offlineError(method, url)
  const answer = await send(url, method, {
    ...npmOptions,
    registry,
    method,
    body: request.json,
    headers: { ...request.headers },
  })
  return readJson(answer, method)
}

/** A third-party endpoint: npm's proxy, CA and time-out settings, no credentials, no npm cache. */
export async function thirdPartyRequest(url: string, npmOptions: NpmOptions, request: HttpRequest = {}): Promise<HttpAnswer> {
  const method = request.method ?? 'GET'
  // Without npm's cache there is nothing to answer offline.
  if (npmOptions.offline) throw offlineError(method, url)
  const transport: NpmOptions = {}
  for (const key of TRANSPORT_OPTIONS) if (npmOptions[key] !== undefined) transport[key] = npmOptions[key]
  return send(url, method, {
    ...transport,
    // Only what is in forceAuth may be sent, and it is empty: no token, no password, whatever the host.
    forceAuth: {},
    method,
    body: request.json,
    headers: { ...request.headers },
  })
}

/** JSON from a third-party endpoint (see thirdPartyRequest). */
export async function thirdPartyJson(url: string, npmOptions: NpmOptions, request: HttpRequest = {}): Promise<any> {
  const method = request.method ?? 'GET'
  const answer = await thirdPartyRequest(url, npmOptions, { ...request, headers: { accept: 'application/json', ...request.headers } })
  return readJson(answer, method)
}

async function send(url: string, method: string, options: NpmOptions): Promise<HttpAnswer> {
  let response: any
  try {
    response = await npmFetch(url, options)
  } catch (error) {
    const err = error as { statusCode?: number; code?: string; message?: string }
    if (typeof err.statusCode === 'number') {
      throw new HttpRequestError(`${method} ${url} answered ${err.statusCode}`, err.code ?? `E${err.statusCode}`, err.statusCode, { cause: error })
    }
    const reason = String(err.message ?? error).split('\n')[0]
    throw new HttpRequestError(`${method} ${url} failed: ${reason}`, err.code ?? 'EREQUEST', null, { cause: error })
  }
  return {
    status: response.status,
    url: typeof response.url === 'string' && response.url !== '' ? response.url : url,
    header: (name) => response.headers.get(name),
    text: async () => {
      try {
        return await response.text()
      } catch (error) {
        throw new HttpRequestError(`${method} ${url}: the answer could not be read: ${(error as Error).message}`, (error as { code?: string }).code ?? 'EREQUEST', null, { cause: error })
      }
    },
    bytes: async () => {
      try {
        return await response.buffer()
      } catch (error) {
        throw new HttpRequestError(`${method} ${url}: the answer could not be read: ${(error as Error).message}`, (error as { code?: string }).code ?? 'EREQUEST', null, { cause: error })
      }
    },
  }
}

async function readJson(answer: HttpAnswer, method: string): Promise<any> {
  const text = await answer.text()
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new HttpRequestError(`${method} ${answer.url}: the answer is not JSON`, 'EBADJSON', null, { cause: error })
  }
}

function offlineError(method: string, url: string): HttpRequestError {
  return new HttpRequestError(`${method} ${url} was not sent: npm is configured offline`, 'EOFFLINE')
}
