import { describeShapes, GYP_INSTALL, tarballInstallScriptsOf } from '../heuristics/script-content.js'
import { INSTALL_SCRIPT_NAMES } from '../heuristics/version-signals.js'
import { matchesPackage } from '../model/package-pattern.js'
import type { PackageFacts, PackageView, Rule, RuleContext } from '../model/rule.js'

/** Install-time scripts as the registry and the lockfile present them (what was judged), npm's implicit node-gyp build included. */
export function declaredInstallScriptsOf(pkg: PackageView, facts: PackageFacts): Record<string, string> {
  const scripts: Record<string, string> = {}
  for (const source of [facts.version?.scripts ?? {}, pkg.scripts]) {
    for (const event of INSTALL_SCRIPT_NAMES) if (source[event]) scripts[event] = source[event]
  }
  if (Object.keys(scripts).length === 0 && pkg.hasBindingGyp) scripts.install = GYP_INSTALL
  return scripts
}

export interface ScriptDisagreement {
  event: string
  /** The command the registry (or lockfile) shows, or null. */
  registry: string | null
  /** The command the tarball's package.json runs, or null. */
  tarball: string | null
}

/** Where the tarball's install-time scripts are not the ones the registry showed (empty when they agree or no tarball was read). */
export function installScriptDisagreements(pkg: PackageView, facts: PackageFacts): ScriptDisagreement[] {
  if (facts.tarball?.state !== 'read') return []
  const declared = declaredInstallScriptsOf(pkg, facts)
  const tarball = tarballInstallScriptsOf(facts.tarball.manifest)
  // npm's implicit `node-gyp rebuild` is often left out of published manifests
  // (npm publish does not write it); it is no disagreement where the registry
  // shows the package has install-time scripts at all.
  const showsScripts = Object.keys(declared).length > 0 || pkg.hasInstallScript
  if (!declared.install && tarball.install === GYP_INSTALL && !facts.tarball.manifest.scripts.install && showsScripts) delete tarball.install
  return INSTALL_SCRIPT_NAMES.filter((event) => (declared[event] ?? null) !== (tarball[event] ?? null)).map((event) => ({
    event,
    registry: declared[event] ?? null,
    tarball: tarball[event] ?? null,
  }))
}

/** The tarball was looked at and does not confirm the install scripts the registry showed (other scripts, or unreadable). */
export function isScriptListUnconfirmed(pkg: PackageView, facts: PackageFacts): boolean {
  if (!facts.tarball) return false
  return facts.tarball.state === 'unreadable' || installScriptDisagreements(pkg, facts).length > 0
}

/**
 * The install-time scripts a package would run, as `event: command`: what the
 * registry shows and, once its tarball was read, what the tarball's own
 * package.json says (npm runs the latter), so no script hides from the plan.
 */
export function installScriptsOf(pkg: PackageView, facts: PackageFacts): Record<string, string> {
  const scripts = declaredInstallScriptsOf(pkg, facts)
  if (facts.tarball?.state === 'read') Object.assign(scripts, tarballInstallScriptsOf(facts.tarball.manifest))
  // npm runs `prepare` of a git dependency after building it from source.
  if (pkg.source === 'git' && pkg.scripts.prepare) scripts.prepare = pkg.scripts.prepare
  if (Object.keys(scripts).length === 0 && pkg.hasInstallScript) scripts.install = '(an install script not named in the lockfile)'
  return scripts
}

export type ScriptAllowance = 'allowed' | 'refused' | 'unreviewed' | 'none'

/**
 * Whether the package's install scripts may run. The policy's scripts.allow
 * decides first (false refuses for good); npm's allowScripts in package.json
 * counts as a second allowlist when the policy lets it. An allowance covers
 * the scripts the registry showed: when the tarball's differ, they are unreviewed.
 */
export function scriptAllowance(pkg: PackageView, facts: PackageFacts, context: RuleContext): ScriptAllowance {
  if (Object.keys(installScriptsOf(pkg, facts)).length === 0) return 'none'
  const entries = Object.entries(context.policy.scripts.allow)
  if (context.policy.scripts.npmAllowScripts && context.npmAllowScripts) entries.push(...Object.entries(context.npmAllowScripts))
  const matching = entries.filter(([pattern]) => matchesPackage(pattern, pkg.name, pkg.version))
  if (matching.some(([, allowed]) => allowed === false)) return 'refused'
  if (matching.some(([, allowed]) => allowed === true) && !isScriptListUnconfirmed(pkg, facts)) return 'allowed'
  return 'unreviewed'
}

/**
 * Where to allow a package's scripts: in the project's own policy file (the
 * last one given by a relative name; an organisation floor is an absolute
 * path), or, with none, the file to create and what to write in it.
 */
function howToAllow(name: string, policyFiles: string[]): string {
  const projectFile = policyFiles.filter((file) => !/^(?:\/|\\|[A-Za-z]:[\\/])/.test(file)).at(-1)
  const command = `safe-npm approve ${name} --rule install-scripts --reason "…"`
  if (projectFile) return `add ${JSON.stringify(name)}: true to scripts.allow in ${projectFile} (or ${command})`
  return `create .safe-npmrc.json with ${JSON.stringify({ scripts: { allow: { [name]: true } } })} (or ${command})`
}

export const installScriptsRule: Rule = {
  meta: {
    id: 'install-scripts',
    description: 'Install scripts (preinstall, install, postinstall, an implicit node-gyp build, prepare of a git dependency) run only for packages on the allowlist.',
    defaultSeverity: 'warn',
    messages: {
      unreviewed: '{name}@{version} has an install script that is not on the allowlist, so it is not run: {scripts}',
      refused: '{name}@{version} has an install script that the policy refuses, so it is not run: {scripts}',
      dropper: '{name}@{version} has an unreviewed install script that looks like a dropper: it {shapes}',
    },
    hints: {
      unreviewed: 'Review the script; if it is needed, {allowIt}, then run safe-npm rebuild {name}.',
      refused: 'The package may not work without its script; the policy says so on purpose.',
      dropper: 'Read {file} in the tarball before anything else: real malware shipped these shapes. If it is what the package needs, review it and {allowIt}; scripts.content says whether this blocks.',
    },
    // The text is read only from the tarball reify is about to unpack (install, ci, update…; never check).
    severities: { dropper: { setting: 'scripts.content' } },
    needs: (policy) => ({ facts: true, tarballManifests: policy.scripts.content !== 'off' }),
    readsTarballs: true,
  },
  explain(pkg, facts, context) {
    return { installScripts: Object.entries(installScriptsOf(pkg, facts)).map(([name, script]) => `${name}: ${script}`), allowance: scriptAllowance(pkg, facts, context) }
  },
  check(pkg, facts, context) {
    const allowance = scriptAllowance(pkg, facts, context)
    if (allowance === 'none' || allowance === 'allowed') return []
    const scripts = Object.entries(installScriptsOf(pkg, facts))
      .map(([event, command]) => `${event}: ${command}`)
      .join('; ')
    const args = { name: pkg.name, version: pkg.version, scripts, allowIt: howToAllow(pkg.name, context.policyFiles ?? []) }
    const shapes = facts.tarball?.state === 'read' ? facts.tarball.manifest.scriptContent?.shapes ?? [] : []
    if (allowance === 'unreviewed' && shapes.length > 0 && context.policy.scripts.content !== 'off') {
      const first = shapes[0]
      return [{ messageId: 'dropper', args: { ...args, shapes: describeShapes(shapes), shape: first.shape, file: `${first.file}:${first.line}` } }]
    }
    return [{ messageId: allowance, args }]
  },
}
