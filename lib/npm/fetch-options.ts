// npm's options as the registry jobs (fetch-jobs.ts) hand them to pacote.
//
// Without npm's settings for other commands. npm's fetch stack copies its
// options about eight times a request, and npm's flat options have 131 keys
// (the object itself in V8's dictionary mode): fetching the bench app's 918
// packuments on one thread took 6.0 s of CPU with them, 3.5–4.0 s with the
// 43 kept. The keys left out are about the install itself, other
// commands or output: none of pacote, npm-registry-fetch, make-fetch-happen,
// minipass-fetch, @npmcli/agent, cacache, ssri, npm-pick-manifest or
// @npmcli/git reads them (test/engine/fetch-jobs.test.ts checks their
// sources). Everything else, and any key npm adds later, is kept.
//
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

/** npm settings no part of npm's fetch stack reads (checked against their sources: see the top of this file). */
export const NOT_FOR_FETCHING = new Set([
  'access', 'all', 'allowSameVersion', 'allowScripts', 'allowScriptsPending', 'allowScriptsPin', 'audit', 'auditLevel', 'binLinks', 'browser',
  'call', 'cidr', 'color', 'commitHooks', 'cpu', 'dangerouslyAllowAllScripts', 'depth', 'diff', 'diffDstPrefix', 'diffIgnoreAllSpace',
  'diffNameOnly', 'diffNoPrefix', 'diffSrcPrefix', 'diffText', 'diffUnified', 'dryRun', 'editor', 'engineStrict', 'expires', 'force',
  'formatPackageLock', 'fund', 'gitTagVersion', 'global', 'globalconfig', 'heading', 'ifPresent', 'includeAttestations',
  'includeWorkspaceRoot', 'initPrivate', 'installLinks', 'installStrategy', 'json', 'legacyPeerDeps', 'libc', 'location', 'lockfileVersion',
  'logColor', 'message', 'minReleaseAgeExclude', 'name', 'npxCache', 'omit', 'omitLockfileRegistryResolved', 'orgs', 'orgsPermission', 'os',
  'packDestination', 'package', 'packageLock', 'packageLockOnly', 'packages', 'packagesAll', 'packagesAndScopesPermission', 'parseable',
  'preferDedupe', 'preid', 'progress', 'provenance', 'provenanceFile', 'readOnly', 'rebuildBundle', 'save', 'saveBundle', 'savePrefix',
  'sbomFormat', 'sbomType', 'scopes', 'search', 'shell', 'signGitCommit', 'signGitTag', 'silent', 'strictAllowScripts', 'strictPeerDeps',
  'tagVersionPrefix', 'tokenDescription', 'unicode', 'workspacesEnabled', 'workspacesUpdate',
])

/** Per npm options object: the options without the settings for other commands, and those with the shared agent (the same object where npm's agents stay). */
const slimmed = new WeakMap<Record<string, any>, Record<string, any>>()
const withAgent = new WeakMap<Record<string, any>, Record<string, any>>()

/**
 * These npm options for registry jobs: without the settings for other
 * commands and, for a run of many jobs (`isBulk`), with one agent for every
 * request where that connects as npm would. A run of a few jobs keeps npm's
 * agents: its connections are those Arborist opened while resolving, and a
 * context of its own would cost as much as the few it saves.
 */
export function fetchOptionsOf(flat: Record<string, any>, isBulk: boolean, env: NodeJS.ProcessEnv = process.env): Record<string, any> {
  let slim = slimmed.get(flat)
  if (!slim) {
    slim = {}
    for (const key of Object.keys(flat)) if (!NOT_FOR_FETCHING.has(key)) slim[key] = flat[key]
    slimmed.set(flat, slim)
  }
  if (!isBulk) return slim
  let options = withAgent.get(flat)
  if (!options) {
    const agent = sharedAgentFor(flat, env)
    options = agent ? { ...slim, agent, ca: undefined } : slim
    withAgent.set(flat, options)
  }
  return options
}

/** One agent whose TLS context trusts npm's `ca`, when npm would not pick connections per destination; else null. */
function sharedAgentFor(flat: Record<string, any>, env: NodeJS.ProcessEnv): InstanceType<typeof Agent> | null {
  const ca = flat.ca
  if ((typeof ca !== 'string' && !Array.isArray(ca)) || ca.length === 0 || needsNpmAgents(flat, env)) return null
  const strictSSL = flat.strictSSL
  const settings: Record<string, unknown> = {
    // What make-fetch-happen hands @npmcli/agent for each request (npm-registry-fetch's options).
    maxSockets: flat.maxSockets,
    localAddress: flat.localAddress,
    timeout: flat.timeout || 30 * 1000,
    rejectUnauthorized: strictSSL === undefined || strictSSL === null ? env.NODE_TLS_REJECT_UNAUTHORIZED !== '0' : strictSSL !== false,
    dns: { ttl: 5 * 60 * 1000, lookup: dns.lookup },
    secureContext: tls.createSecureContext({ ca }),
  }
  // An unset value would override the agent's own default (15 sockets a host) with none.
  for (const [key, value] of Object.entries(settings)) if (value === undefined || value === null) delete settings[key]
  return new Agent(settings)
}
