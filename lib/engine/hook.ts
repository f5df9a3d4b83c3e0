// `safe-npm hook`, a project's preinstall script under plain npm. npm 7–11
// run the root preinstall after reify (the tree is on disk, allowed install
// scripts ran): the hook judges node_modules as it is and takes out what the
// policy blocks. npm 12 runs it before anything is fetched: the hook judges
// what npm is about to install and stops it. `npm install <pkg>` runs no root
// preinstall on either (checked on npm 11.19.1 and 12.2.2).
import { access } from 'node:fs/promises'
import path from 'node:path'
import { matchesPackage } from '../model/package-pattern.js'
import { JUDGED_INSTALL_ENV } from '../npm/arborist-session.js'
import { installedInstallScripts, removeInstalledPackages, type Removal } from '../npm/installed-packages.js'
import { readNpmAllowScripts } from '../npm/project-manifest.js'
import type { PhaseDetail } from './gather.js'
import { runCommand, type RunOutcome } from './run.js'
import type { Setup } from './setup.js'
import { requireCommonJs } from '../model/commonjs.js'

const semver: typeof import('semver') = requireCommonJs('semver')

/** What npm tells a lifecycle script about itself. */
export interface HookContext {
  /** npm_command: install, ci, … (null: not run by npm). */
  command: string | null
  /** npm_lifecycle_event: preinstall. */
  event: string | null
  /** From npm_config_user_agent (`npm/11.19.1 node/v20…`). */
  npmVersion: string | null
  /** Run by safe-npm itself, in this folder, after installing a tree it judged. */
  isInsideJudgedInstall: boolean
}

/** `cwd`: where npm runs the script, the project folder. */
export function readHookContext(env: NodeJS.ProcessEnv, cwd: string): HookContext {
  return {
    command: env.npm_command || null,
    event: env.npm_lifecycle_event || null,
    npmVersion: /(?:^|\s)npm\/(\S+)/.exec(env.npm_config_user_agent ?? '')?.[1] ?? null,
    isInsideJudgedInstall: Boolean(env[JUDGED_INSTALL_ENV]) && path.resolve(env[JUDGED_INSTALL_ENV]!) === path.resolve(cwd),
  }
}

/** npm commands whose root preinstall is the install's (npm_command holds the full name, never an alias). */
const INSTALLING_COMMANDS = ['install', 'ci', 'install-test', 'install-ci-test']
const isCleanInstall = (command: string | null) => command === 'ci' || command === 'install-ci-test'

/** Whether this npm runs the root preinstall before it writes anything (npm 12 and later for install and ci). */
export function runsBeforeReify(context: HookContext): boolean {
  const version = semver.coerce(context.npmVersion ?? '')
  return version !== null && version.major >= 12 && context.command !== null && INSTALLING_COMMANDS.includes(context.command)
}

/** What the root preinstall can still stop under this npm, for doctor and the README. */
export function hookReach(npmVersion: string | null): string {
  const major = semver.coerce(npmVersion ?? '')?.major ?? null
  if (major === null) return 'unknown npm version'
  if (major >= 12) return 'npm install and npm ci run the hook before anything is fetched: a blocked tree is never written; npm install <pkg> runs no hook (use safe-npm install <pkg>)'
  if (major >= 7) return 'npm install and npm ci run the hook after the tree is written and the install scripts npm allows ran: the hook fails the install and removes the blocked packages; npm install <pkg> runs no hook (use safe-npm install <pkg>)'
  return 'npm 6 and older run the root preinstall before installing, but have none of the npm-native settings: use safe-npm install'
}

export interface ScriptRun {
  package: string
  location: string
  events: string[]
  /** Whether npm ran them in this install (for a package it added or changed). */
  ran: boolean
  why: string
  isBlocked: boolean
}

export interface HookOutcome {
  context: HookContext
  /** before: judged what npm is about to install; after: what it installed. */
  timing: 'before-reify' | 'after-reify'
  /** What was judged: node_modules, package-lock.json or the tree npm would resolve. */
  judged: 'node_modules' | 'package-lock.json' | 'the tree npm would install'
  run: RunOutcome
  /** What was taken out of node_modules (after reify, when blocked). */
  removal: Removal | null
  /** Dependencies with install scripts and whether npm ran them (after reify). */
  scripts: ScriptRun[]
}

const exists = (file: string) => access(file).then(() => true, () => false)

/** npm's allowScripts policy as npm resolves it: package.json's field, else the .npmrc allow-scripts list. */
async function npmScriptPolicy(setup: Setup): Promise<Record<string, boolean> | null> {
  const fromManifest = await readNpmAllowScripts(setup.config.prefix)
  if (fromManifest) return fromManifest
  const listed = String(setup.config.get('allow-scripts') ?? '').split(',').map((name) => name.trim()).filter(Boolean)
  return listed.length > 0 ? Object.fromEntries(listed.map((name) => [name, true])) : null
}

/** Which dependency install scripts npm ran, from its settings: ignore-scripts, allowScripts, strict-allow-scripts. */
async function scriptRuns(outcome: RunOutcome, setup: Setup): Promise<ScriptRun[]> {
  const { config } = setup
  const blocked = new Set(outcome.judgement.findings.filter((finding) => finding.severity === 'block').map((finding) => finding.package.location))
  const policy = await npmScriptPolicy(setup)
  const runs: ScriptRun[] = []
  for (const pkg of outcome.packages) {
    const events = await installedInstallScripts(setup.config.prefix, pkg.location)
    if (events.length === 0) continue
    const verdicts = Object.entries(policy ?? {}).filter(([key]) => matchesPackage(key, pkg.name, pkg.version)).map(([, allowed]) => allowed)
    let ran = true
    let why: string
    if (config.get('ignore-scripts')) [ran, why] = [false, 'ignore-scripts is set']
    else if (config.get('dangerously-allow-all-scripts')) why = 'dangerously-allow-all-scripts is set'
    else if (verdicts.includes(false)) [ran, why] = [false, 'allowScripts denies them']
    else if (verdicts.includes(true)) why = 'allowScripts allows them'
    else if (config.get('strict-allow-scripts')) [ran, why] = [false, 'unreviewed, and strict-allow-scripts stops those']
    else why = 'unreviewed: npm before 12 runs those (npm 11 with a notice); strict-allow-scripts=true stops them, safe-npm init sets it'
    runs.push({ package: `${pkg.name}@${pkg.version}`, location: pkg.location, events, ran, why, isBlocked: blocked.has(pkg.location) })
  }
  return runs
}

/** Judges what npm installs (or installed) and takes out what is blocked. */
export async function runHook(
  setup: Setup,
  context: HookContext,
  onPhase?: (text: string, detail?: PhaseDetail) => void,
): Promise<HookOutcome> {
  const projectDir = setup.config.prefix
  const before = runsBeforeReify(context)
  const hasLockfile = (await exists(path.join(projectDir, 'package-lock.json'))) || (await exists(path.join(projectDir, 'npm-shrinkwrap.json')))
  const hasModules = await exists(path.join(projectDir, 'node_modules'))
  // --dry-run and --package-lock-only leave node_modules as it was: nothing there is the hook's to take out.
  const wroteModules = !setup.config.get('dry-run') && !setup.config.get('package-lock-only')
  // Before reify, npm ci installs the lockfile as it is and npm install what it resolves; after it, node_modules is the truth.
  const judged: HookOutcome['judged'] = before
    ? isCleanInstall(context.command) ? 'package-lock.json' : 'the tree npm would install'
    : hasModules && wroteModules ? 'node_modules' : hasLockfile ? 'package-lock.json' : 'the tree npm would install'
  const run = await runCommand({
    mode: 'check',
    setup,
    readsLockfileOnly: judged === 'package-lock.json',
    readsInstalledTree: judged === 'node_modules',
    holdsNothingBack: true,
    isProbeRequested: false,
    rootScriptsToStderr: true,
    onPhase,
  })
  const scripts = before ? [] : await scriptRuns(run, setup)
  let removal: Removal | null = null
  if (!before && wroteModules && run.judgement.isBlocked) {
    const locations = run.judgement.findings.filter((finding) => finding.severity === 'block' && finding.package.location !== '').map((finding) => finding.package.location)
    removal = await removeInstalledPackages(projectDir, locations)
  }
  return { context, timing: before ? 'before-reify' : 'after-reify', judged, run, removal, scripts }
}
