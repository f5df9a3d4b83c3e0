// The pipeline behind install, ci, check, update, uninstall, dedupe and
// rebuild, end to end: ideal tree (or lockfile / installed tree) → facts →
// rules → decision → reify the same tree → the allowed scripts. It returns a
// typed outcome and never prints; the CLI renders it.
import type { PackageFacts, PackageView, RuleContext } from '../model/rule.js'
import { parsePackagePattern } from '../model/package-pattern.js'
import { UsageError } from '../errors.js'
import { ArboristSession, type ReifySummary } from '../npm/arborist-session.js'
import { readNpmAllowScripts, workspaceNames } from '../npm/project-manifest.js'
import type { NpmWarning } from '../npm/npm-log.js'
import { RULES } from '../rules/index.js'
import { scriptAllowance } from '../rules/install-scripts.js'
import type { RunNote } from './feeds.js'
import path from 'node:path'
import { safeNpmCacheDir } from '../npm/npm-config.js'
import { FetchLanes } from './fetch-lanes.js'
import { gatherEverything, gatherRunIntel, gatherTarballManifests, neededBy, type PhaseDetail } from './gather.js'
import { isExpired, judge, packageResultsOf, prepareRules, type Judgement } from './judge.js'
import { PackageResults, packageIntel, packageKeys, type PackageResult } from './package-results.js'
import { configuredRegistries, type Setup } from './setup.js'
import { intelFingerprint, VerdictCache, verdictBase, verdictKey, verdictValidUntil, type ScriptDecision } from './verdict-cache.js'

/** inspect: the tree the specs would bring into an empty project (with this project's npm config and policy), judged and never installed. */
export type RunMode = 'install' | 'ci' | 'check' | 'update' | 'uninstall' | 'rebuild' | 'dedupe' | 'inspect'

export interface RunRequest {
  mode: RunMode
  setup: Setup
  /** check --lockfile: judge package-lock.json as it is, without resolving. */
  readsLockfileOnly: boolean
  /** check: judge node_modules as it is (the preinstall hook, after npm's reify wrote it). */
  readsInstalledTree?: boolean
  /** check: judge the tree plain npm would install, holding nothing back (the preinstall hook, before npm's reify). */
  holdsNothingBack?: boolean
  /** check --probe: probe the public registry even when the policy does not ask to. */
  isProbeRequested: boolean
  /** The project's own lifecycle scripts print to stderr (stdout carries one document). */
  rootScriptsToStderr: boolean
  /** inspect: the empty project folder the tree is built for. */
  inspectDir?: string
  /** Progress, for a TTY: one short phase description at a time, with a count or a terminal hand-over (see PhaseDetail). */
  onPhase?: (text: string, detail?: PhaseDetail) => void
}

export interface InstallOutcome extends ReifySummary {
  dryRun: boolean
  scriptsRun: string[]
  scriptsSkipped: string[]
}

export interface HeldBack {
  name: string
  from: string
  to: string
  location: string
  reason: string
}

/** Commands whose tree may differ from the lockfile: ci and check --lockfile judge it as it is. */
function mayChangeLockfile(mode: RunMode, request: RunRequest): boolean {
  return mode !== 'ci' && mode !== 'rebuild' && !request.readsLockfileOnly && !request.readsInstalledTree && !request.holdsNothingBack
}

export interface RunOutcome {
  mode: RunMode
  judgement: Judgement
  /** Policy files that applied, in order (empty: the embedded default). */
  policyFiles: string[]
  /** Every judged package of the tree. */
  packages: PackageView[]
  project: { name: string; version: string }
  /** What reify and the scripts did; null when nothing was installed (check, or blocked). */
  install: InstallOutcome | null
  /** The manifest the findings point into: package-lock.json for lockfile judgements. */
  manifest: 'package.json' | 'package-lock.json'
  /** One-line notes that are not findings (a registry without an optional endpoint). */
  notes: RunNote[]
  /** Too-young locked versions moved to mature ones before judging (the lockfile changes only there). */
  heldBack: HeldBack[]
  now: Date
  /** What npm's libraries warned about while building, reifying and rebuilding (npm prints these as `npm warn …`). */
  npmWarnings: NpmWarning[]
  /** The facts gathered per package location (what the rules looked at). */
  facts?: Map<string, PackageFacts>
  /** The context the rules were run with. */
  context?: RuleContext
}

/** What the policy decides about a package's install scripts (null: it has none). */
type ScriptDecider = (pkg: PackageView) => ScriptDecision | null

/** Decisions from the facts as they are when asked (a tarball read later counts). */
function decideFromFacts(facts: Map<string, PackageFacts>, context: RuleContext): ScriptDecider {
  return (pkg) => {
    const known: PackageFacts = facts.get(pkg.location) ?? { status: 'unverifiable' }
    const allowance = scriptAllowance(pkg, known, context)
    return allowance === 'none' ? null : { allowance, isTarballRead: known.tarball !== undefined }
  }
}

/**
 * Of these packages, those with install scripts (due) and those whose scripts
 * the policy allows (runnable). With `needsTarball`, a registry package's
 * scripts run only once its tarball's own package.json was read.
 */
function scriptPlan(packages: PackageView[], decide: ScriptDecider, needsTarball = false): { due: PackageView[]; runnable: PackageView[] } {
  const due = packages.filter((pkg) => decide(pkg) !== null)
  const isConfirmed = (pkg: PackageView) => !needsTarball || pkg.source !== 'registry' || decide(pkg)!.isTarballRead
  return { due, runnable: due.filter((pkg) => decide(pkg)!.allowance === 'allowed' && isConfirmed(pkg)) }
}

/** A stored verdict can stand for a judgement only where every fact it needs is kept in it (see verdict-cache.ts). */
function canRememberVerdict(needs: ReturnType<typeof neededBy>): boolean {
  // Probe answers and provenance bundles are learned live and are not part of the key.
  return !needs.probe && needs.provenance.length === 0
}

/** These packages and those their dependencies resolved to (a rule looks at a package's new dependencies: takeover). */
function withDependencies(these: PackageView[], all: PackageView[]): PackageView[] {
  if (these.length === all.length) return all
  const wanted = new Set(these.map((pkg) => pkg.location))
  for (const pkg of these) for (const location of Object.values(pkg.dependencyLocations ?? {})) wanted.add(location)
  return all.filter((pkg) => wanted.has(pkg.location))
}

/** Calls `load` once, on first use. */
function once<T>(load: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined
  return () => (value ??= load())
}

const label = (pkg: PackageView) => `${pkg.name}@${pkg.version}`

function validateRequest(mode: RunMode, specs: string[]): void {
  if ((mode === 'ci' || mode === 'check' || mode === 'dedupe') && specs.length > 0) {
    throw new UsageError(`safe-npm ${mode} takes no package arguments (got ${specs.join(' ')})`, 'EUSAGE')
  }
  if (mode === 'inspect' && specs.length === 0) throw new UsageError('safe-npm inspect needs the package specs to judge (safe-npm inspect left-pad@1.3.0)', 'EUSAGE')
  if (mode === 'uninstall' && specs.length === 0) throw new UsageError('safe-npm uninstall needs the names of the packages to remove', 'EUSAGE')
}

export async function runCommand(request: RunRequest): Promise<RunOutcome> {
  // The threads this run's registry work uses; the worker, if one started, stops with the run.
  const lanes = new FetchLanes(request.setup.config.flat)
  try {
    return await runWithLanes(request, lanes)
  } finally {
    lanes.close()
  }
}

async function runWithLanes(request: RunRequest, lanes: FetchLanes): Promise<RunOutcome> {
  const { mode, setup } = request
  const { config, loaded } = setup
  const phase = (text: string, detail?: PhaseDetail) => request.onPhase?.(text, detail)
  if (config.get('global')) throw new UsageError('safe-npm guards project installs; global installs (-g) are not supported yet', 'EGLOBAL')
  const specs = config.positionals
  validateRequest(mode, specs)
  const policy = loaded.policy
  const now = new Date()
  const ageRuleOn = policy.rules['minimum-release-age'] !== 'off'
  const isInspect = mode === 'inspect'
  if (isInspect && !request.inspectDir) throw new Error('inspect needs an empty project folder')
  const session = new ArboristSession(config, {
    add: mode === 'install' || isInspect ? specs : [],
    ...(isInspect ? { path: request.inspectDir } : {}),
    ...(mode === 'update' ? { update: specs.length > 0 ? specs : true, save: config.isDefault('save') ? false : Boolean(config.get('save')) } : {}),
    ...(mode === 'uninstall' ? { rm: specs } : {}),
    ...(mode === 'dedupe' ? { dedupe: true } : {}),
    // Judging what plain npm will install: npm resolves without the policy's gate (only its own min-release-age).
    before: ageRuleOn && !request.holdsNothingBack ? new Date(now.getTime() - policy.minimumReleaseAge.ageMs) : null,
    // Arborist's exclusion takes names only; a pattern with a range still gets the gate.
    // A package with an approved age exception (safe-npm approve) resolves without the gate too, so that
    // approving a young exact pin does not turn the gate off for the whole resolution (Arborist's fallback);
    // the rule still judges every version of it, and only the approved ones are waived.
    beforeExclude: [
      ...policy.minimumReleaseAge.exclude.filter((pattern) => parsePackagePattern(pattern).range === null),
      ...policy.exceptions.filter((exception) => exception.rule === 'minimum-release-age' && !isExpired(exception, now)).map((exception) => parsePackagePattern(exception.package).name),
    ],
    workspaces: isInspect ? [] : await workspaceNames((config.get('workspace') as string[] | undefined) ?? [], config.prefix),
    isCleanInstall: mode === 'ci',
    // What a young version replaces is read from node_modules only when a security fix may pass the age gate.
    readsInstalledVersions: ageRuleOn && policy.minimumReleaseAge.allowSecurityFixes,
    readsInstalledTreeEarly: (mode === 'install' || mode === 'update' || mode === 'uninstall' || mode === 'dedupe') && !config.get('package-lock-only'),
  })

  const readsInstalledTree = mode === 'rebuild' || Boolean(request.readsInstalledTree)
  phase(request.readsLockfileOnly ? 'reading package-lock.json' : readsInstalledTree ? 'reading node_modules' : 'resolving the dependency tree')
  if (request.readsLockfileOnly) await session.loadLockfileTree()
  else if (readsInstalledTree) await session.loadInstalledTree()
  else {
    const { ageGateFallback } = await session.buildIdealTree()
    if (ageGateFallback) phase(`no version old enough satisfies a range (${ageGateFallback}); checking the newest instead`)
  }
  if (mode === 'ci') session.verifyMatchesLockfile()

  let packages = session.packages()
  const dryRun = Boolean(config.get('dry-run'))
  // Tarballs are read only where reify would unpack them: not for check and
  // rebuild, --dry-run (npm downloads nothing) or --package-lock-only.
  // inspect reads them too (into npm's cache only), so what it shows is what install would check.
  const unpacks = mode !== 'check' && mode !== 'rebuild' && !dryRun && !config.get('package-lock-only')
  const tarballTargets = once(() => session.tarballTargets())
  const gatherOptions = {
    npmOptions: config.flat,
    defaultRegistry: config.defaultRegistry,
    scopedRegistries: config.scopedRegistries,
    packumentCache: session.packumentCache,
    projectDir: session.path,
    now,
    isProbeRequested: request.isProbeRequested,
    // Which install scripts may run is decided from the facts, whatever rules are on.
    needsScriptFacts: mode !== 'check',
    onPhase: phase,
    lanes,
  }
  const needs = neededBy(RULES, policy, request.isProbeRequested)
  const ignoreScripts = Boolean(config.get('ignore-scripts'))
  const context: RuleContext = {
    policy,
    now,
    configuredRegistries: configuredRegistries(config),
    defaultRegistry: config.defaultRegistry,
    scopedRegistries: config.scopedRegistries,
    rewritesNpmjs: (config.flat.replaceRegistryHost ?? 'npmjs') !== 'never',
    npmAllowScripts: policy.scripts.npmAllowScripts ? await readNpmAllowScripts(isInspect ? config.prefix : session.path) : null,
    project: session.project(),
    run: { feedProblems: [], probes: [] },
    requestedOnCommandLine: mode === 'install' || isInspect ? specs : [],
    policyFiles: loaded.files,
  }
  // An unchanged tree judged before under the same policy, feeds and code is not judged again.
  // inspect shows the facts behind every signal: always gathered.
  const verdictsDir = path.join(safeNpmCacheDir(config.flat), 'verdicts')
  const verdicts = canRememberVerdict(needs) && !isInspect ? new VerdictCache(verdictsDir) : null
  const verdictInputs = { mode, readsLockfileOnly: request.readsLockfileOnly, unpacks, packages, context, rules: RULES }
  const key = verdicts ? verdictKey(verdictInputs) : ''
  const intelAsked = gatherRunIntel(packages, policy, RULES, gatherOptions)
  const stored = verdicts ? await verdicts.read(key, now.getTime()) : null
  if (stored) {
    const intel = await intelAsked
    const required = new Set<string>()
    if (unpacks && (needs.tarballManifests || !ignoreScripts)) {
      const registry = new Set(packages.filter((pkg) => pkg.source === 'registry').map((pkg) => pkg.location))
      const targets = (await tarballTargets()).map((target) => target.location).filter((location) => registry.has(location))
      for (const location of targets) {
        if (needs.tarballManifests || stored.scripts[location]?.allowance === 'allowed') required.add(location)
      }
    }
    const read = new Set(stored.tarballsRead)
    if (intel.problems.length === 0 && intelFingerprint(intel) === stored.intel && [...required].every((location) => read.has(location))) {
      phase('judging (the verdict of this unchanged tree is remembered)')
      return await finish({
        judgement: stored.judgement,
        packages,
        notes: intel.notes,
        heldBack: [],
        decide: (pkg) => stored.scripts[pkg.location] ?? null,
      })
    }
  }
  /** The stored results that answer for this tree's packages now, by location (see package-results.ts). */
  async function reusableResults(stored: Map<string, PackageResult>): Promise<Map<string, PackageResult>> {
    const reusable = new Map<string, PackageResult>()
    if (stored.size === 0) return reusable
    const intel = await intelAsked
    if (intel.problems.length > 0) return reusable
    const unpacked = unpacks ? new Set((await tarballTargets()).map((target) => target.location)) : new Set<string>()
    for (const pkg of packages) {
      const result = stored.get(keys.get(pkg.location)!)
      if (!result || !(now.getTime() < result.validUntil) || result.intel !== packageIntel(pkg, intel)) continue
      if (unpacked.has(pkg.location) && !result.tarballRead) continue
      reusable.set(pkg.location, result)
    }
    return reusable
  }
  // Packages judged before in the last tree under the same base are not judged again (package-results.ts).
  const results = verdicts ? new PackageResults(verdictsDir) : null
  const base = results ? verdictBase(verdictInputs) : ''
  const keys = results ? packageKeys(base, packages, context.requestedOnCommandLine ?? []) : new Map<string, string>()
  const reused = results ? await reusableResults(await results.read(base)) : new Map<string, PackageResult>()
  const judged = reused.size === 0 ? packages : packages.filter((pkg) => !reused.has(pkg.location))
  const known = new Map([...reused].map(([location, result]) => [location, result.results]))
  const [gathered] = await Promise.all([gatherEverything(withDependencies(judged, packages), policy, RULES, gatherOptions, intelAsked), prepareRules(RULES)])
  let { facts, run, notes, intel, factsFreshSince } = gathered
  context.run = run
  phase(reused.size > 0 ? `judging ${judged.length} of ${packages.length} packages (the others are as judged before)` : 'judging')
  let judgement = judge(packages, facts, RULES, context, { known })
  const heldBack: HeldBack[] = []
  // A finding a rule can resolve by resolving a name again (a too-young locked
  // version) is resolved, once, where the command may change the lockfile.
  const remedies = mayChangeLockfile(mode, request) ? judgement.findings.filter((finding) => finding.severity === 'block' && finding.remedy) : []
  if (remedies.length > 0) {
    const names = [...new Set(remedies.map((finding) => finding.remedy!.reresolve))]
    phase(`holding back ${names.join(', ')} to versions old enough`)
    await session.resolveAgain(remedies.map((finding) => finding.package.location))
    packages = session.packages()
    // judged afresh, every package (what was reused is not remembered after a hold-back)
    known.clear()
    ;({ facts, run, notes, intel, factsFreshSince } = await gatherEverything(packages, policy, RULES, gatherOptions))
    context.run = run
    judgement = judge(packages, facts, RULES, context)
    for (const finding of remedies) {
      const current = packages.find((pkg) => pkg.location === finding.package.location) ?? packages.find((pkg) => pkg.name === finding.remedy!.reresolve)
      if (current && current.version !== finding.package.version) {
        heldBack.push({ name: finding.package.name, from: finding.package.version, to: current.version, location: current.location, reason: finding.remedy!.reason })
      }
    }
  }
  if (unpacks && !judgement.isBlocked && needs.tarballManifests) {
    // Only a tree that passes every other rule is downloaded (never from a
    // registry the policy refuses); then the tarballs' own package.json joins the facts.
    // (a reused package that reify unpacks was judged with its tarball read: reusableResults)
    const read = await gatherTarballManifests(packages.filter((pkg) => !known.has(pkg.location)), facts, await tarballTargets(), { npmOptions: config.flat, onPhase: phase, lanes })
    // Nothing read (reify changes nothing): the facts are as judged, so is the judgement.
    if (read > 0) judgement = judge(packages, facts, RULES, context, { again: { previous: judgement, rerun: (rule) => Boolean(rule.meta.readsTarballs) }, known })
  }
  const decideFresh = decideFromFacts(facts, context)
  const decide: ScriptDecider = (pkg) => (known.has(pkg.location) ? reused.get(pkg.location)!.script : decideFresh(pkg))
  if (unpacks && !ignoreScripts && !judgement.isBlocked) {
    // Whatever rules are on, an allowed install script runs only after the
    // tarball's own package.json confirmed it (usually read already above).
    const unread = scriptPlan(packages, decide).runnable.filter((pkg) => pkg.source === 'registry' && !known.has(pkg.location) && !facts.get(pkg.location)?.tarball)
    if (unread.length > 0) await gatherTarballManifests(unread, facts, await tarballTargets(), { npmOptions: config.flat, onPhase: phase, lanes })
  }
  const isRememberable =
    verdicts !== null &&
    !judgement.isBlocked &&
    heldBack.length === 0 &&
    intel.problems.length === 0 &&
    packages.every((pkg) => facts.get(pkg.location)?.status !== 'unverifiable')
  if (isRememberable && remedies.length === 0) {
    const scripts: Record<string, ScriptDecision> = {}
    for (const pkg of packages) {
      const decision = decide(pkg)
      if (decision) scripts[pkg.location] = decision
    }
    const isTarballRead = (pkg: PackageView) => (known.has(pkg.location) ? reused.get(pkg.location)!.tarballRead : facts.get(pkg.location)?.tarball !== undefined)
    const validUntil = (pkgs: PackageView[]) => verdictValidUntil(pkgs, facts, policy, now.getTime(), factsFreshSince)
    await verdicts.write(key, {
      storedAt: now.getTime(),
      validUntil: Math.min(validUntil(packages.filter((pkg) => !known.has(pkg.location))), ...[...reused.values()].map((result) => result.validUntil)),
      intel: intelFingerprint(intel),
      judgement,
      tarballsRead: packages.filter(isTarballRead).map((pkg) => pkg.location),
      scripts,
    })
    const ruleResults = packageResultsOf(judgement)
    const stored: Record<string, PackageResult> = {}
    for (const pkg of packages) {
      stored[keys.get(pkg.location)!] = {
        validUntil: reused.get(pkg.location)?.validUntil ?? validUntil([pkg]),
        intel: packageIntel(pkg, intel),
        tarballRead: isTarballRead(pkg),
        script: decide(pkg),
        results: ruleResults.get(pkg.location) ?? {},
      }
    }
    await results!.write(base, stored)
  }
  return await finish({ judgement, packages, notes, heldBack, decide, facts })

  /** Reports a blocked tree, or installs the judged one and runs the scripts the policy allows. */
  async function finish(judged: {
    judgement: Judgement
    packages: PackageView[]
    notes: RunNote[]
    heldBack: HeldBack[]
    decide: ScriptDecider
    /** Not known when a remembered verdict stands in for the judgement. */
    facts?: Map<string, PackageFacts>
  }): Promise<RunOutcome> {
    const { judgement, packages, notes, heldBack, decide } = judged
    const outcome: RunOutcome = {
      mode,
      judgement,
      policyFiles: loaded.files,
      packages,
      project: session.project(),
      install: null,
      manifest: request.readsLockfileOnly || mode === 'ci' ? 'package-lock.json' : 'package.json',
      notes,
      heldBack,
      now,
      npmWarnings: session.npmWarnings,
      facts: judged.facts,
      context,
    }
    if (mode === 'check' || isInspect || judgement.isBlocked) return outcome

    if (mode === 'rebuild') {
      // `safe-npm rebuild [name…]`: the install scripts of installed packages the
      // policy allows (after a script was reviewed and allowed, say), never the others.
      const { due, runnable } = scriptPlan(specs.length === 0 ? packages : packages.filter((pkg) => specs.includes(pkg.name)), decide)
      if (runnable.length > 0) phase(`running install scripts of ${runnable.map((pkg) => pkg.name).join(', ')}`)
      await session.runDependencyScripts(runnable.map((pkg) => pkg.location))
      outcome.npmWarnings = session.npmWarnings
      outcome.install = {
        added: 0,
        removed: 0,
        changed: 0,
        dryRun: false,
        scriptsRun: runnable.map(label),
        scriptsSkipped: due.filter((pkg) => !runnable.includes(pkg)).map(label),
      }
      return outcome
    }

    phase(dryRun ? 'computing changes (dry run)' : 'installing the checked tree')
    // The fetch worker (when this run started one, or when reify brings many tarballs) unpacks a share of
    // them; then it stops, since what is left (the scripts) needs no second thread.
    const summary = await session.reify({ dryRun, unpacker: lanes })
    lanes.close()
    // Scripts are due only for what reify put on disk now, as npm does; nothing is on disk with --package-lock-only.
    const writesNodeModules = !dryRun && !config.get('package-lock-only')
    const changed = session.changedLocations()
    const { due, runnable } = scriptPlan(packages.filter((pkg) => changed.has(pkg.location)), decide, unpacks)
    const runsScripts = writesNodeModules && !ignoreScripts
    outcome.install = {
      ...summary,
      dryRun,
      scriptsRun: runsScripts ? runnable.map(label) : [],
      scriptsSkipped: due.filter((pkg) => !runsScripts || !runnable.includes(pkg)).map(label),
    }
    if (runsScripts) {
      if (runnable.length > 0) phase(`running install scripts of ${runnable.map((pkg) => pkg.name).join(', ')}`, { handsOverTerminal: Boolean(config.get('foreground-scripts')) })
      await session.runDependencyScripts(runnable.map((pkg) => pkg.location))
    }
    if (!dryRun && !ignoreScripts && (mode === 'install' || mode === 'ci') && specs.length === 0) {
      phase("running the project's own scripts", { handsOverTerminal: true })
      await session.runRootScripts({ outputToStderr: request.rootScriptsToStderr })
    }
    outcome.npmWarnings = session.npmWarnings
    return outcome
  }
}
