// The pipeline behind install, ci and check: npm config → policy → ideal tree
// → facts → rules → decision → report → reify the same tree → allowed scripts.
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { gatherEverything } from '../engine/gather.js'
import { judge } from '../engine/judge.js'
import { EXIT, UsageError } from '../errors.js'
import { ArboristSession } from '../npm/arborist-session.js'
import { loadNpmConfig, type NpmConfig } from '../npm/npm-config.js'
import { loadPolicy } from '../policy/load.js'
import { parsePackagePattern } from '../model/package-pattern.js'
import { RULES } from '../rules/index.js'
import { scriptAllowance } from '../rules/install-scripts.js'
import type { PackageFacts, PackageView, RuleContext } from '../model/rule.js'
import { toJsonReport, type InstallOutcome } from '../report/json-report.js'
import { toCycloneDxReport } from '../report/cyclonedx-report.js'
import { toSarifReport } from '../report/sarif-report.js'
import { safeNpmVersion } from './version.js'
import { createStyle, formatJudgement } from '../report/text-report.js'
import { isMachineOutput, type ParsedArgs } from './args.js'
import type { Io } from './io.js'

export type GuardMode = 'install' | 'ci' | 'check' | 'update' | 'uninstall' | 'rebuild' | 'dedupe'

async function readNpmAllowScripts(projectDir: string): Promise<Record<string, boolean> | null> {
  try {
    const manifest = JSON.parse(await readFile(path.join(projectDir, 'package.json'), 'utf8'))
    const field = manifest?.allowScripts
    if (field && typeof field === 'object' && !Array.isArray(field)) {
      return Object.fromEntries(Object.entries(field).filter(([, value]) => typeof value === 'boolean')) as Record<string, boolean>
    }
  } catch {
    // an unreadable package.json is reported by the session
  }
  return null
}

/** -w takes a workspace's name or its folder, as npm does; Arborist wants names. */
async function workspaceNames(values: string[], projectDir: string): Promise<string[]> {
  return Promise.all(
    values.map(async (value) => {
      try {
        const manifest = JSON.parse(await readFile(path.join(path.resolve(projectDir, value), 'package.json'), 'utf8'))
        return typeof manifest?.name === 'string' ? manifest.name : value
      } catch {
        return value
      }
    }),
  )
}

function ruleContext(
  config: NpmConfig,
  policy: RuleContext['policy'],
  now: Date,
  extra: Pick<RuleContext, 'npmAllowScripts' | 'project' | 'run'>,
): RuleContext {
  return {
    ...extra,
    policy,
    now,
    configuredRegistries: [config.defaultRegistry, ...Object.values(config.scopedRegistries)],
    defaultRegistry: config.defaultRegistry,
    scopedRegistries: config.scopedRegistries,
    rewritesNpmjs: (config.flat.replaceRegistryHost ?? 'npmjs') !== 'never',
  }
}

/** Of these packages, those with install scripts (due) and those whose scripts the policy allows (runnable). */
function scriptPlan(packages: PackageView[], facts: Map<string, PackageFacts>, context: RuleContext): { due: PackageView[]; runnable: PackageView[] } {
  const allowance = (pkg: PackageView) => scriptAllowance(pkg, facts.get(pkg.location) ?? { status: 'unverifiable' }, context)
  const due = packages.filter((pkg) => allowance(pkg) !== 'none')
  return { due, runnable: due.filter((pkg) => allowance(pkg) === 'allowed') }
}

/**
 * `safe-npm rebuild [name…]`: run the install scripts of installed packages
 * the policy allows (after a script was reviewed and allowed, say), never the others.
 */
async function rebuildAllowed(
  session: ArboristSession,
  packages: PackageView[],
  facts: Map<string, PackageFacts>,
  context: RuleContext,
  names: string[],
  parsed: ParsedArgs,
  io: Io,
  progress: (text: string) => void,
): Promise<InstallOutcome> {
  const { due, runnable } = scriptPlan(names.length === 0 ? packages : packages.filter((pkg) => names.includes(pkg.name)), facts, context)
  if (runnable.length > 0) progress(`running install scripts of ${runnable.map((pkg) => pkg.name).join(', ')}`)
  await session.runDependencyScripts(runnable.map((pkg) => pkg.location))
  const outcome: InstallOutcome = {
    added: 0,
    removed: 0,
    changed: 0,
    dryRun: false,
    scriptsRun: runnable.map((pkg) => `${pkg.name}@${pkg.version}`),
    scriptsSkipped: due.filter((pkg) => !runnable.includes(pkg)).map((pkg) => `${pkg.name}@${pkg.version}`),
  }
  if (!isMachineOutput(parsed.own)) io.stdout.write(`rebuilt ${outcome.scriptsRun.length === 0 ? 'nothing' : outcome.scriptsRun.join(', ')}\n`)
  return outcome
}

function formatSummary(outcome: InstallOutcome, seconds: number): string {
  const parts: string[] = []
  const count = (n: number, verb: string) => `${verb} ${n} package${n === 1 ? '' : 's'}`
  if (outcome.added) parts.push(count(outcome.added, 'added'))
  if (outcome.removed) parts.push(count(outcome.removed, 'removed'))
  if (outcome.changed) parts.push(count(outcome.changed, 'changed'))
  const what = parts.length === 0 ? 'up to date' : parts.length === 1 ? parts[0] : `${parts.slice(0, -1).join(', ')}, and ${parts[parts.length - 1]}`
  return `${what}${outcome.dryRun ? ' (dry run)' : ''} in ${seconds < 1 ? `${Math.round(seconds * 1000)}ms` : `${seconds.toFixed(1)}s`}`
}

export async function runGuard(mode: GuardMode, parsed: ParsedArgs, io: Io): Promise<number> {
  const started = Date.now()
  const progress = (text: string) => {
    if (io.stderrIsTTY && !isMachineOutput(parsed.own)) io.stderr.write(`safe-npm: ${text}\n`)
  }
  const config = await loadNpmConfig(parsed.npmArgs, io.cwd, io.env)
  if (config.get('global')) throw new UsageError('safe-npm guards project installs; global installs (-g) are not supported yet', 'EGLOBAL')
  const specs = config.positionals
  if ((mode === 'ci' || mode === 'check' || mode === 'dedupe') && specs.length > 0) {
    throw new UsageError(`safe-npm ${mode} takes no package arguments (got ${specs.join(' ')})`, 'EUSAGE')
  }
  if (mode === 'uninstall' && specs.length === 0) throw new UsageError('safe-npm uninstall needs the names of the packages to remove', 'EUSAGE')
  const loaded = await loadPolicy({
    cwd: config.prefix,
    policyFile: parsed.own.policyFile,
    orgPolicyFile: parsed.own.orgPolicyFile ?? (io.env.SAFE_NPM_ORG_POLICY || undefined),
  })
  const policy = loaded.policy
  const now = new Date()
  const ageRuleOn = policy.rules['minimum-release-age'] !== 'off'
  const session = new ArboristSession(config, {
    add: mode === 'install' ? specs : [],
    ...(mode === 'update' ? { update: specs.length > 0 ? specs : true, save: config.isDefault('save') ? false : Boolean(config.get('save')) } : {}),
    ...(mode === 'uninstall' ? { rm: specs } : {}),
    ...(mode === 'dedupe' ? { dedupe: true } : {}),
    before: ageRuleOn ? new Date(now.getTime() - policy.minimumReleaseAge.ageMs) : null,
    // Arborist's exclusion takes names only; a pattern with a range still gets the gate.
    beforeExclude: policy.minimumReleaseAge.exclude.filter((pattern) => parsePackagePattern(pattern).range === null),
    workspaces: await workspaceNames((config.get('workspace') as string[] | undefined) ?? [], config.prefix),
    isCleanInstall: mode === 'ci',
  })

  const readsLockfileOnly = mode === 'check' && parsed.own.lockfile
  progress(readsLockfileOnly ? 'reading package-lock.json' : mode === 'rebuild' ? 'reading node_modules' : 'resolving the dependency tree')
  if (readsLockfileOnly) await session.loadLockfileTree()
  else if (mode === 'rebuild') await session.loadInstalledTree()
  else {
    const { ageGateFallback } = await session.buildIdealTree()
    if (ageGateFallback) progress(`no version old enough satisfies a range (${ageGateFallback}); checking the newest instead`)
  }
  if (mode === 'ci') session.verifyMatchesLockfile()

  const packages = session.packages()
  const { facts, run } = await gatherEverything(packages, policy, RULES, {
    npmOptions: config.flat,
    defaultRegistry: config.defaultRegistry,
    scopedRegistries: config.scopedRegistries,
    packumentCache: session.packumentCache,
    projectDir: session.path,
    now,
    isProbeRequested: parsed.own.probe,
    onPhase: progress,
  })
  const context = ruleContext(config, policy, now, {
    npmAllowScripts: policy.scripts.npmAllowScripts ? await readNpmAllowScripts(session.path) : null,
    project: session.project(),
    run,
  })
  const judgement = judge(packages, facts, RULES, context)
  // check prints its report on stdout; install explains itself on stderr, as npm's warnings do.
  const reportsToStdout = mode === 'check'
  const style = createStyle((reportsToStdout ? io.stdoutIsTTY : io.stderrIsTTY) && !io.env.NO_COLOR)
  const report = formatJudgement(judgement, loaded.files, style)

  const finish = (install: InstallOutcome | null) => {
    // A machine-readable format keeps stdout for its one document.
    const documents = {
      text: () => null,
      json: () => toJsonReport(mode, judgement, loaded.files, install),
      sarif: () => toSarifReport(judgement, RULES, safeNpmVersion(), readsLockfileOnly || mode === 'ci' ? 'package-lock.json' : 'package.json'),
      cyclonedx: () => toCycloneDxReport(judgement, packages, session.project(), safeNpmVersion(), now),
    }
    const document = documents[parsed.own.format]()
    if (document) io.stdout.write(`${JSON.stringify(document, null, 2)}\n`)
    return judgement.isBlocked ? EXIT.blocked : EXIT.clean
  }

  if (mode === 'check' || judgement.isBlocked) {
    if (!isMachineOutput(parsed.own)) {
      // For check the report is the output; for a blocked install it explains the abort.
      const out = reportsToStdout ? io.stdout : io.stderr
      out.write(`${report}\n`)
      if (judgement.isBlocked) out.write(`${style.red(mode === 'check' ? 'safe-npm: blocked by policy.' : 'safe-npm: blocked by policy; nothing was installed or written.')}\n`)
    }
    return finish(null)
  }

  if (!isMachineOutput(parsed.own) && judgement.findings.length + judgement.expiredExceptions.length + judgement.unusedExceptions.length > 0) {
    io.stderr.write(`${report}\n`)
  }
  if (mode === 'rebuild') return finish(await rebuildAllowed(session, packages, facts, context, specs, parsed, io, progress))
  const dryRun = Boolean(config.get('dry-run'))
  const ignoreScripts = Boolean(config.get('ignore-scripts'))
  progress(dryRun ? 'computing changes (dry run)' : 'installing the checked tree')
  const summary = await session.reify({ dryRun })
  // Scripts are due only for what reify put on disk now, as npm does; nothing is on disk with --package-lock-only.
  const writesNodeModules = !dryRun && !config.get('package-lock-only')
  const changed = session.changedLocations()
  const { due, runnable } = scriptPlan(packages.filter((pkg) => changed.has(pkg.location)), facts, context)
  const runsScripts = writesNodeModules && !ignoreScripts
  const outcome: InstallOutcome = {
    ...summary,
    dryRun,
    scriptsRun: runsScripts ? runnable.map((pkg) => `${pkg.name}@${pkg.version}`) : [],
    scriptsSkipped: due.filter((pkg) => !runsScripts || !runnable.includes(pkg)).map((pkg) => `${pkg.name}@${pkg.version}`),
  }
  if (runsScripts) {
    if (runnable.length > 0) progress(`running install scripts of ${runnable.map((pkg) => pkg.name).join(', ')}`)
    await session.runDependencyScripts(runnable.map((pkg) => pkg.location))
  }
  if (!dryRun && !ignoreScripts && (mode === 'install' || mode === 'ci') && specs.length === 0) {
    await session.runRootScripts({ outputToStderr: isMachineOutput(parsed.own) })
  }
  if (!isMachineOutput(parsed.own)) {
    // Skipped scripts are already in the report above, as install-scripts findings.
    io.stdout.write(`\n${formatSummary(outcome, (Date.now() - started) / 1000)}\n`)
  }
  return finish(outcome)
}
