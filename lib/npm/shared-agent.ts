// One connection agent, with one TLS context, for a thread's registry
// requests when npm is configured with its own certificate authorities
// (`cafile`/`ca`). Through npm's fetch stack each new socket builds a TLS
// context from the whole bundle (about 20 ms of CPU for a 144-certificate
// system bundle), and every request keys its agent pool by the bundle's
// 215 KiB of text (@npmcli/agent's cache key, Node's agent name). Here the
// bundle is parsed once, and requests carry the context instead of the text.
// Where npm would pick a connection per registry (client certificates, a
// proxy), npm's own agents are used unchanged.
import dns from 'node:dns'
import tls from 'node:tls'
import { requireCommonJs } from '../model/commonjs.js'

const { Agent }: typeof import('@npmcli/agent') = requireCommonJs('@npmcli/agent')

/** Settings that choose a connection per destination: npm's agents handle them. */
function needsNpmAgents(flat: Record<string, any>, env: NodeJS.ProcessEnv): boolean {
  if (flat.agent != null || flat.proxy || flat.httpsProxy || flat.cert || flat.key) return true
  if (Object.keys(env).some((name) => ['https_proxy', 'http_proxy', 'proxy'].includes(name.toLowerCase()) && env[name])) return true
  // Per-registry client certificates (`//host/:certfile`), which npm-registry-fetch reads per request.
  return Object.keys(flat).some((key) => key.startsWith('//') && /:(certfile|keyfile)$/.test(key))
}

/** Per npm options object: the options with the shared agent, or the same object where npm's agents stay. */
const shared = new WeakMap<Record<string, any>, Record<string, any>>()

/** These npm options with one agent for every request, when that connects as npm would; else the options as they are. */
export function withSharedAgent(flat: Record<string, any>, env: NodeJS.ProcessEnv = process.env): Record<string, any> {
  let options = shared.get(flat)
  if (options) return options
  const ca = flat.ca
  if ((typeof ca !== 'string' && !Array.isArray(ca)) || ca.length === 0 || needsNpmAgents(flat, env)) options = flat
  else {
    const strictSSL = flat.strictSSL
    const agent = new Agent({
      // What make-fetch-happen hands @npmcli/agent for each request (npm-registry-fetch's options).
      maxSockets: flat.maxSockets,
      localAddress: flat.localAddress,
      timeout: flat.timeout || 30 * 1000,
      rejectUnauthorized: strictSSL === undefined || strictSSL === null ? env.NODE_TLS_REJECT_UNAUTHORIZED !== '0' : strictSSL !== false,
      dns: { ttl: 5 * 60 * 1000, lookup: dns.lookup },
      secureContext: tls.createSecureContext({ ca }),
    })
    options = { ...flat, agent, ca: undefined }
  }
  shared.set(flat, options)
  return options
}
