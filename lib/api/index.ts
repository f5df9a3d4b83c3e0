// safe-npm as a library (the package's main entry, `import … from 'safe-npm'`):
// for editor plugins, update bots and registry plugins. Small and stable:
// every function takes plain options, returns plain data (JSON-serialisable),
// never prints and never exits. Expected failures throw a SafeNpmError with a
// stable `code` and the `exitCode` the CLI would use. Nothing is installed or
// written: each function judges, as `safe-npm check` does.
import { SafeNpmError, UsageError } from '../errors.js'
import { inspectSpecs } from '../engine/inspect.js'
import { runCommand, type RunOutcome } from '../engine/run.js'
import { loadSetup } from '../engine/setup.js'
import { TyposquatIndex, type TyposquatTechnique } from '../heuristics/typosquat-index.js'
import { matchesName } from '../model/package-pattern.js'
import type { PolicyException } from '../model/policy.js'
import type { SignalFacts, SourceKind } from '../model/rule.js'
import type { PackageSignals, RuleSignal, SignalStatus } from '../model/signals.js'

export { SafeNpmError }
export type { PackageSignals, PolicyException, RuleSignal, SignalFacts, SignalStatus, SourceKind, TyposquatTechnique }

export interface JudgeOptions {
  /** npm's own flags, as on safe-npm's command line (`['--registry', 'https://npm.acme.example/']`). */
  npmArgs?: string[]
  /** The environment npm's configuration is read from (HOME, npm_config_*); default process.env. */
  env?: Record<string, string | undefined>
  /** A policy file instead of the one discovered in the project. */
  policyFile?: string
  /** The organisation floor (default: SAFE_NPM_ORG_POLICY of `env`). */
  orgPolicyFile?: string
  /** Progress: one short phase description at a time (`resolving the dependency tree`). */
  onProgress?: (phase: string) => void
}

export interface FindingData {
  /** `rule-id/message-id`: stable. */
  code: string
  rule: string
  severity: 'block' | 'warn'
  message: string
  hint: string | null
  package: { name: string; version: string; location: string }
  /** Names from the project to the package: ['my-app', 'a', 'b']. */
  path: string[]
  data: Record<string, string | number>
}

export interface PackageData {
  name: string
  version: string
  /** `node_modules/a/node_modules/b`. */
  location: string
  source: SourceKind
  resolved: string | null
  integrity: string | null
  isDirect: boolean
  isDev: boolean
  isOptional: boolean
  path: string[]
}

export interface JudgementData {
  /** blocked: safe-npm install would refuse this tree; warnings: it would install and report; clean. */
  result: 'clean' | 'warnings' | 'blocked'
  isBlocked: boolean
  /** The policy files that applied (empty: the embedded default policy). */
  policyFiles: string[]
  packageCount: number
  findings: FindingData[]
  /** Findings an exception of the policy waived. */
  waived: Array<{ code: string; package: FindingData['package']; reason: string; source: string }>
  expiredExceptions: PolicyException[]
  unusedExceptions: PolicyException[]
  packages: PackageData[]
  /** Too-young locked versions the tree would be moved off (judgeProject only). */
  heldBack: Array<{ name: string; from: string; to: string; reason: string }>
  /** One-line notes that are not findings (a registry without an optional endpoint). */
  notes: Array<{ code: string; message: string }>
}

export interface SpecsJudgement extends JudgementData {
  specs: string[]
  /** Every rule's signal for every package the specs would add, passed ones included. */
  signals: PackageSignals[]
}

function toData(outcome: RunOutcome): JudgementData {
  const { judgement } = outcome
  return {
    result: judgement.result,
    isBlocked: judgement.isBlocked,
    policyFiles: outcome.policyFiles,
    packageCount: judgement.packageCount,
    findings: judgement.findings.map((finding) => ({
      code: finding.code,
      rule: finding.ruleId,
      severity: finding.severity,
      message: finding.message,
      hint: finding.hint,
      package: { ...finding.package },
      path: [...finding.path],
      data: { ...finding.args },
    })),
    waived: judgement.waived.map(({ exception, finding }) => ({ code: finding.code, package: { ...finding.package }, reason: exception.reason, source: exception.source })),
    expiredExceptions: judgement.expiredExceptions.map((exception) => ({ ...exception })),
    unusedExceptions: judgement.unusedExceptions.map((exception) => ({ ...exception })),
    packages: outcome.packages.map((pkg) => ({
      name: pkg.name,
      version: pkg.version,
      location: pkg.location,
      source: pkg.source,
      resolved: pkg.resolved,
      integrity: pkg.integrity,
      isDirect: pkg.isDirect,
      isDev: pkg.isDev,
      isOptional: pkg.isOptional,
      path: [...pkg.path],
    })),
    heldBack: outcome.heldBack.map(({ name, from, to, reason }) => ({ name, from, to, reason })),
    notes: outcome.notes.map(({ code, message }) => ({ code, message })),
  }
}

async function setupFor(dir: string, options: JudgeOptions, positionals: string[] = []) {
  for (const spec of positionals) {
    if (typeof spec !== 'string' || spec === '' || spec.startsWith('-')) throw new UsageError(`not a package spec: ${JSON.stringify(spec)}`)
  }
  const env = options.env ?? process.env
  return loadSetup({ npmArgs: [...(options.npmArgs ?? []), ...positionals], cwd: dir, env, policyFile: options.policyFile, orgPolicyFile: options.orgPolicyFile })
}

async function judgeTree(dir: string, options: JudgeOptions, readsLockfileOnly: boolean): Promise<JudgementData> {
  const setup = await setupFor(dir, options)
  const outcome = await runCommand({
    mode: 'check',
    setup,
    readsLockfileOnly,
    isProbeRequested: false,
    rootScriptsToStderr: true,
    onPhase: (text) => options.onProgress?.(text),
  })
  return toData(outcome)
}

/** Judges the tree `safe-npm install` would produce in the project at `dir` (package.json, with its lockfile where there is one). */
export function judgeProject(dir: string, options: JudgeOptions = {}): Promise<JudgementData> {
  return judgeTree(dir, options, false)
}

/** Judges the project's package-lock.json (or npm-shrinkwrap.json) as it is, resolving nothing: what `safe-npm ci` would install. */
export function judgeLockfile(dir: string, options: JudgeOptions = {}): Promise<JudgementData> {
  return judgeTree(dir, options, true)
}

/**
 * Judges what these specs (`left-pad@1.3.0`, `@acme/tool@^2`) would add to an
 * empty project, with the npm configuration and policy of the project at
 * `options.dir` (default: the current folder): before adding them. Every
 * rule's signal per package is in `signals`.
 */
export async function judgeSpecs(specs: string[], options: JudgeOptions & { dir?: string } = {}): Promise<SpecsJudgement> {
  if (!Array.isArray(specs) || specs.length === 0) throw new UsageError('judgeSpecs needs at least one package spec')
  const setup = await setupFor(options.dir ?? process.cwd(), options, specs)
  const inspection = await inspectSpecs({ setup, isProbeRequested: false, rootScriptsToStderr: true, onPhase: (text) => options.onProgress?.(text) })
  // Paths start at the package added, not at the empty project it was added to.
  const signals = inspection.packages.map((pkg) => ({ ...pkg, path: pkg.path.slice(1) }))
  return { ...toData(inspection.outcome), specs: [...specs], signals }
}

export interface NameScreening {
  name: string
  /** In the popular-package dataset (npm-high-impact): never a typosquat. */
  isPopular: boolean
  /** The popular package the name seems to imitate, and how; null when none (or allowed). */
  imitates: { name: string; technique: TyposquatTechnique } | null
  /** Popular names spelled closest to it, closest first. */
  nearest: string[]
}

let index: TyposquatIndex | null = null

/**
 * Screens package names for typosquats of popular packages, as the
 * typosquatting rule does: offline and synchronous. `allow` takes name
 * patterns (`typosquatting.allow` of a policy) that are genuine.
 */
export function screenNames(names: string[], options: { allow?: string[] } = {}): NameScreening[] {
  index ??= TyposquatIndex.fromPopular()
  return names.map((name) => {
    const isAllowed = (options.allow ?? []).some((pattern) => matchesName(pattern, name))
    const match = isAllowed ? null : index!.check(name)
    return {
      name,
      isPopular: index!.isPopular(name),
      imitates: match ? { name: match.imitates, technique: match.technique } : null,
      nearest: index!.nearest(name),
    }
  })
}
