import { matchesName } from '../model/package-pattern.js'
import { isLoopbackHost, isUnder, registryFor } from '../model/registry-url.js'
import type { Rule } from '../model/rule.js'

const NPMJS_HOST = 'registry.npmjs.org'

/** Where the package really comes from: its resolved URL, or where npm will fetch it when the lockfile omits it. */
function effectiveUrl(resolved: string | null, name: string, context: Parameters<Rule['check']>[2]): string {
  if (!resolved) return registryFor(name, context.scopedRegistries, context.defaultRegistry)
  // npm rewrites registry.npmjs.org URLs in lockfiles to the configured registry (replace-registry-host).
  if (context.rewritesNpmjs) {
    try {
      const url = new URL(resolved)
      if (url.hostname === NPMJS_HOST) {
        const registry = registryFor(name, context.scopedRegistries, context.defaultRegistry)
        return new URL(url.pathname.replace(/^\//, ''), registry).toString()
      }
    } catch {
      // not a URL: judged as it is
    }
  }
  return resolved
}

export const registriesRule: Rule = {
  meta: {
    id: 'registries',
    description: 'Every package comes from an allowed registry over https; pinned scopes and private names come only from their own registry.',
    defaultSeverity: 'block',
    appliesAtRegistry: ['scope-not-pinned', 'private-name-elsewhere'],
    messages: {
      'not-allowed-registry': '{name}@{version} resolves to {url}, which is not on an allowed registry ({allowed})',
      'lockfile-resolved-elsewhere': 'package-lock.json points {name}@{version} at {url}, which is not on an allowed registry ({allowed})',
      'insecure-registry': '{name}@{version} is fetched over plain http from {url}',
      'scope-not-pinned': '{name}@{version} resolves to {url}, but the policy pins {scope} to {registry}',
      'private-name-elsewhere': '{name}@{version} resolves to {url}, but names matching "{pattern}" are private to {registry} (dependency confusion)',
    },
    hints: {
      'not-allowed-registry': 'Install it from an allowed registry, or add the registry to registries.allowed if it is trusted.',
      'lockfile-resolved-elsewhere': 'The lockfile may have been tampered with: delete the entry and resolve it again.',
      'insecure-registry': 'Use the https URL of the registry.',
      'scope-not-pinned': 'Set "{scope}:registry={registry}" in .npmrc.',
      'private-name-elsewhere': 'Route the name to its registry in .npmrc, and claim the name on the public registry.',
    },
  },
  explain(pkg, _facts, context) {
    return { resolved: pkg.source === 'registry' ? effectiveUrl(pkg.resolved, pkg.name, context) : pkg.resolved }
  },
  check(pkg, _facts, context) {
    if (pkg.source !== 'registry') return []
    const url = effectiveUrl(pkg.resolved, pkg.name, context)
    const args = { name: pkg.name, version: pkg.version, url }
    const findings = []
    try {
      const parsed = new URL(url)
      if (parsed.protocol === 'http:' && !isLoopbackHost(parsed.hostname)) findings.push({ messageId: 'insecure-registry', args })
    } catch {
      // a resolved value that is no URL is not on any registry: reported below
    }
    const allowed = context.policy.registries.allowed ?? context.configuredRegistries
    if (!allowed.some((registry) => isUnder(url, registry))) {
      findings.push({
        messageId: pkg.isFromLockfile && pkg.resolved ? 'lockfile-resolved-elsewhere' : 'not-allowed-registry',
        args: { ...args, allowed: allowed.join(', ') },
      })
    }
    const scope = pkg.name.startsWith('@') ? pkg.name.split('/')[0] : null
    const pinned = scope ? context.policy.registries.scopes[scope] : undefined
    if (scope && pinned && !isUnder(url, pinned)) {
      findings.push({ messageId: 'scope-not-pinned', args: { ...args, scope, registry: pinned } })
    }
    if (!scope) {
      for (const [pattern, registry] of Object.entries(context.policy.registries.private)) {
        if (matchesName(pattern, pkg.name) && !isUnder(url, registry)) {
          findings.push({ messageId: 'private-name-elsewhere', args: { ...args, pattern, registry } })
          break
        }
      }
    }
    return findings
  },
}
