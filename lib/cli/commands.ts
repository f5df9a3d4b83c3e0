// What safe-npm does with each npm 11 command: guard it (the engine judges the
// tree before anything is written), refuse it (it would fetch or run package
// code safe-npm cannot check), or hand it to npm (it cannot install or run
// package code). `alias npm=safe-npm` is only safe if nothing that installs
// reaches npm unchecked, so a command missing from the table is refused, and
// test/cli/commands.test.ts fails when npm gains a command the table lacks.
import { existsSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import type { GuardMode } from './guarded-command.js'
import type { AliasResult } from 'npm-package-arg'
import { requireCommonJs } from '../model/commonjs.js'

const npa: typeof import('npm-package-arg') = requireCommonJs('npm-package-arg')

export type Treatment =
  | { kind: 'guarded'; mode: GuardMode; thenTest: boolean }
  | { kind: 'refused'; why: string; instead: string }
  | {
      kind: 'passthrough'
      why: string
      /** Runs the project's own lifecycle scripts: with -g they would be the global folder's, not the project's. */
      runsProjectScripts: boolean
    }

/** A command line as npm reads it, its command resolved to npm's own name. */
export interface CommandLine {
  /** npm's name for the command (`i` → `install`). */
  command: string
  /** The command as typed. */
  typed: string
  /** The positional arguments after the command. */
  args: string[]
  /** Flags on the command line, by npm config key. */
  flags: Record<string, unknown>
  cwd: string
  env: NodeJS.ProcessEnv
}

interface CommandEntry {
  treatment: Treatment
  /** Arguments that change the treatment (`audit fix` installs, `exec` of an installed bin fetches nothing). */
  refine?: (line: CommandLine) => Treatment | null
}

const guard = (mode: GuardMode, thenTest = false): Treatment => ({ kind: 'guarded', mode, thenTest })
const refuse = (why: string, instead: string): Treatment => ({ kind: 'refused', why, instead })
const pass = (why: string, { runsProjectScripts = false } = {}): Treatment => ({ kind: 'passthrough', why, runsProjectScripts })
const entry = (treatment: Treatment, refine?: CommandEntry['refine']): CommandEntry => ({ treatment, ...(refine ? { refine } : {}) })

// ---- arguments that change a command's meaning ------------------------------

const isTrue = (value: unknown) => value === true || value === 'true'
const asList = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : typeof value === 'string' && value !== '' ? [value] : [])

/** A git spec is cloned and prepared: pacote runs `npm install` of its devDependencies and its prepare script. */
function isGitSpec(spec: string, cwd: string): boolean {
  try {
    const parsed = npa(spec, cwd)
    return (parsed.type === 'alias' ? (parsed as AliasResult).subSpec.type : parsed.type) === 'git'
  } catch {
    return false
  }
}

const refuseGitSpecs = (specs: string[], line: CommandLine): Treatment | null => {
  const git = specs.find((spec) => isGitSpec(spec, line.cwd))
  return git
    ? refuse(`would clone ${git} and run npm install of its devDependencies and its prepare script, unchecked`, 'name a registry version or a tarball, or clone and review it first')
    : null
}

const usesWorkspaces = (line: CommandLine) => asList(line.flags.workspace).length > 0 || isTrue(line.flags.workspaces)

/** The bin names a package.json declares (`bin` as a string is named after the package). */
function binNames(dir: string): string[] {
  try {
    const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'))
    if (typeof manifest?.bin === 'string' && typeof manifest.name === 'string') return [manifest.name.replace(/^@[^/]+\//, '')]
    if (manifest?.bin && typeof manifest.bin === 'object') return Object.keys(manifest.bin)
    // directories.bin names its bins only on disk: count any bin as possibly the project's own.
    if (manifest?.directories?.bin) return ['*']
  } catch {
    // no or unreadable package.json: no bins
  }
  return []
}

const isFile = (file: string) => {
  try {
    return statSync(file).isFile()
  } catch {
    return false
  }
}

const ancestors = (dir: string): string[] => {
  const dirs = [dir]
  while (path.dirname(dirs[dirs.length - 1]) !== dirs[dirs.length - 1]) dirs.push(path.dirname(dirs[dirs.length - 1]))
  return dirs
}

/**
 * True when `npm exec` would only run a bin that is already installed in the
 * project, fetching nothing. npm first installs the project itself into its npx
 * cache when the project (or a workspace) declares that bin, then looks in
 * node_modules/.bin from the project folder up, then globally, and only then
 * fetches the package. Where npm's project folder is (a workspace root may be
 * above the nearest package.json) is not known here, so the bin must be found
 * from the highest candidate, and no package.json on the way up may declare it.
 */
function execRunsInstalledBin(line: CommandLine): boolean {
  if (asList(line.flags.package).length > 0 || asList(line.env.npm_config_package).length > 0 || usesWorkspaces(line) || isGlobal(line)) return false
  const [bin] = line.args
  // An interactive shell, or --call without --package: nothing to fetch.
  if (bin === undefined) return true
  if (bin === '' || bin === '.' || bin === '..' || /[/\\@]/.test(bin)) return false
  const prefix = typeof line.flags.prefix === 'string' ? path.resolve(line.cwd, line.flags.prefix) : null
  const upward = ancestors(prefix ?? line.cwd)
  if (upward.some((dir) => binNames(dir).some((name) => name === bin || name === '*'))) return false
  const nearest = prefix ?? upward.find((dir) => existsSync(path.join(dir, 'package.json')) || existsSync(path.join(dir, 'node_modules'))) ?? line.cwd
  const candidates = ancestors(nearest).filter((dir) => dir === nearest || existsSync(path.join(dir, 'package.json')))
  const highest = prefix ?? candidates[candidates.length - 1]
  return ancestors(highest).some((dir) => isFile(path.join(dir, 'node_modules', '.bin', bin)))
}

// ---- the table ---------------------------------------------------------------

const registryOnly = 'talks to the registry about metadata, accounts or access; fetches no package code'
const ownScripts = "runs the project's own scripts (your code, as `npm run` does), nothing from dependencies' install scripts"
const readsTree = 'reads the installed tree or the lockfile; installs nothing'
const editsScripts = 'edits or lists allowScripts in package.json; runs nothing (run `safe-npm rebuild` to run what the policy allows)'
const opensUrl = "opens a URL from the package's metadata; fetches no package code"

/** npm 11's commands by npm's own name (npm's lib/utils/cmd-list.js). */
export const NPM_COMMANDS: Readonly<Record<string, CommandEntry>> = {
  access: entry(pass(registryOnly)),
  adduser: entry(pass(registryOnly)),
  'approve-scripts': entry(pass(editsScripts)),
  audit: entry(pass('reads the lockfile and asks the registry for advisories'), (line) =>
    line.args[0] === 'fix'
      ? refuse('installs the fixed versions unchecked', 'run `npm audit` to see the fixes, then `safe-npm install <name>@<fixed version>` or `safe-npm update <name>`')
      : null,
  ),
  bugs: entry(pass(opensUrl)),
  cache: entry(pass('manages the download cache; `cache add` only downloads a registry tarball (no code runs; installing it later is judged)'), (line) =>
    line.args[0] === 'add' ? refuseGitSpecs(line.args.slice(1), line) : null,
  ),
  ci: entry(guard('ci')),
  completion: entry(pass('prints shell completion')),
  config: entry(pass("reads or edits npm's configuration")),
  dedupe: entry(guard('dedupe')),
  'deny-scripts': entry(pass(editsScripts)),
  deprecate: entry(pass(registryOnly)),
  diff: entry(pass('compares registry tarballs or the project folder; runs no dependency code'), (line) =>
    refuseGitSpecs(asList(line.flags.diff), line),
  ),
  'dist-tag': entry(pass(registryOnly)),
  docs: entry(pass(opensUrl)),
  doctor: entry(pass("checks npm's environment, the registry and the cache; installs nothing")),
  edit: entry(refuse("runs `npm rebuild` of the package afterwards, its install scripts unchecked", 'edit the files under node_modules, then run `safe-npm rebuild <name>`')),
  exec: entry(
    refuse('fetches and runs a package that is not installed in the project, unchecked', 'install it with `safe-npm install -D <package>`, then `npm exec <bin>` runs the installed bin'),
    (line) => (execRunsInstalledBin(line) ? pass('runs a bin already installed in the project (judged when it was installed); fetches nothing') : null),
  ),
  explain: entry(pass(readsTree)),
  explore: entry(pass('opens a shell (or runs the command you give) in an installed package; runs no package code itself and does not rebuild')),
  'find-dupes': entry(refuse('is `npm dedupe --dry-run`, unjudged', 'run `safe-npm dedupe --dry-run`')),
  fund: entry(pass(readsTree)),
  get: entry(pass("reads npm's configuration")),
  help: entry(pass("prints npm's help")),
  'help-search': entry(pass("searches npm's help")),
  init: entry(pass('writes package.json (without an initializer, npm init runs no package)'), (line) => {
    if (line.args.length > 0) {
      return refuse('fetches and runs the initializer (`npm exec create-…`) unchecked', 'install the initializer with `safe-npm install -D create-<name>`, then `npm exec create-<name>`')
    }
    return usesWorkspaces(line)
      ? refuse("installs the new workspace's dependencies unchecked", 'write the workspace package.json, list it in workspaces, then run `safe-npm install`')
      : null
  }),
  install: entry(guard('install')),
  'install-ci-test': entry(guard('ci', true)),
  'install-scripts': entry(pass(editsScripts)),
  'install-test': entry(guard('install', true)),
  link: entry(refuse('installs a folder globally, or a global package into the project, with dependencies and scripts unchecked', 'add the folder as a dependency with `safe-npm install <folder>` (judged)')),
  ll: entry(pass(readsTree)),
  login: entry(pass(registryOnly)),
  logout: entry(pass(registryOnly)),
  ls: entry(pass(readsTree)),
  org: entry(pass(registryOnly)),
  outdated: entry(pass('compares the installed tree with the registry; installs nothing')),
  owner: entry(pass(registryOnly)),
  pack: entry(pass(`packs the project; ${ownScripts}`, { runsProjectScripts: true }), (line) => refuseGitSpecs(line.args, line)),
  ping: entry(pass(registryOnly)),
  pkg: entry(pass('reads or edits package.json fields; installs nothing')),
  prefix: entry(pass('prints a folder')),
  profile: entry(pass(registryOnly)),
  prune: entry(refuse('rebuilds the tree from the lockfile and installs what is missing, unchecked', 'run `safe-npm install`, which removes extraneous packages as npm install does')),
  publish: entry(pass(`publishes the project; ${ownScripts}`, { runsProjectScripts: true }), (line) => refuseGitSpecs(line.args, line)),
  query: entry(pass(readsTree)),
  rebuild: entry(guard('rebuild')),
  repo: entry(pass(opensUrl)),
  restart: entry(pass(ownScripts, { runsProjectScripts: true })),
  root: entry(pass('prints a folder')),
  run: entry(pass(ownScripts, { runsProjectScripts: true })),
  sbom: entry(pass(readsTree)),
  search: entry(pass(registryOnly)),
  set: entry(pass("edits npm's configuration")),
  shrinkwrap: entry(pass('turns package-lock.json into npm-shrinkwrap.json; installs nothing')),
  stage: entry(pass(`stages a publish of the project; ${ownScripts}`, { runsProjectScripts: true })),
  star: entry(pass(registryOnly)),
  stars: entry(pass(registryOnly)),
  start: entry(pass(ownScripts, { runsProjectScripts: true })),
  stop: entry(pass(ownScripts, { runsProjectScripts: true })),
  team: entry(pass(registryOnly)),
  test: entry(pass(ownScripts, { runsProjectScripts: true })),
  token: entry(pass(registryOnly)),
  trust: entry(pass(registryOnly)),
  undeprecate: entry(pass(registryOnly)),
  uninstall: entry(guard('uninstall')),
  unpublish: entry(pass(registryOnly)),
  unstar: entry(pass(registryOnly)),
  update: entry(guard('update')),
  version: entry(pass(`bumps the project's version; ${ownScripts}`, { runsProjectScripts: true })),
  view: entry(pass(registryOnly)),
  whoami: entry(pass(registryOnly)),
}

/** npm 11's aliases, abbreviations and typos, each to npm's name of the command. */
export const NPM_ALIASES: Readonly<Record<string, string>> = {
  'add-user': 'adduser',
  author: 'owner',
  home: 'docs',
  issues: 'bugs',
  info: 'view',
  show: 'view',
  v: 'view',
  find: 'search',
  s: 'search',
  se: 'search',
  c: 'config',
  list: 'ls',
  la: 'll',
  why: 'explain',
  ogr: 'org',
  'dist-tags': 'dist-tag',
  hlep: 'help',
  verison: 'version',
  'run-script': 'run',
  rum: 'run',
  urn: 'run',
  t: 'test',
  tst: 'test',
  x: 'exec',
  create: 'init',
  innit: 'init',
  ln: 'link',
  add: 'install',
  i: 'install',
  in: 'install',
  ins: 'install',
  inst: 'install',
  insta: 'install',
  instal: 'install',
  isnt: 'install',
  isnta: 'install',
  isntal: 'install',
  isntall: 'install',
  it: 'install-test',
  cit: 'install-ci-test',
  sit: 'install-ci-test',
  'clean-install-test': 'install-ci-test',
  'clean-install': 'ci',
  ic: 'ci',
  'install-clean': 'ci',
  'isntall-clean': 'ci',
  u: 'update',
  up: 'update',
  upgrade: 'update',
  udpate: 'update',
  unlink: 'uninstall',
  remove: 'uninstall',
  rm: 'uninstall',
  r: 'uninstall',
  un: 'uninstall',
  rb: 'rebuild',
  ddp: 'dedupe',
}

const KNOWN_NAMES = [...Object.keys(NPM_COMMANDS), ...Object.keys(NPM_ALIASES)]

/**
 * npm's name for a command as typed, resolved as npm resolves it: camelCase to
 * kebab-case, a name, an alias, or an unambiguous prefix of a name or alias
 * (`npm exe` runs exec). Undefined when npm would not know the command.
 */
export function resolveNpmCommand(typed: string): string | undefined {
  const word = /[A-Z]/.test(typed) ? typed.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`) : typed
  if (Object.hasOwn(NPM_COMMANDS, word)) return word
  if (Object.hasOwn(NPM_ALIASES, word)) return NPM_ALIASES[word]
  if (word === '') return undefined
  const matches = KNOWN_NAMES.filter((name) => name.startsWith(word))
  if (matches.length !== 1) return undefined
  return NPM_ALIASES[matches[0]] ?? matches[0]
}

/** -g, --global, --location=global on the command line, else npm_config_global / npm_config_location in the environment. */
function isGlobal(line: CommandLine): boolean {
  if (line.flags.global !== undefined) return isTrue(line.flags.global)
  if (line.flags.location !== undefined) return line.flags.location === 'global'
  const fromEnv = (key: string) => Object.entries(line.env).find(([name]) => name.toLowerCase() === key)?.[1]
  if (fromEnv('npm_config_global') !== undefined) return isTrue(fromEnv('npm_config_global'))
  return fromEnv('npm_config_location') === 'global'
}

/** The treatment of one npm command line, flags and sub-commands included. */
export function decideCommand(line: CommandLine): Treatment {
  const base = NPM_COMMANDS[line.command]?.treatment
  if (!base) return refuse('is not an npm 11 command safe-npm has decided on', 'check the spelling (the README lists every npm command and what safe-npm does with it)')
  const treatment = NPM_COMMANDS[line.command].refine?.(line) ?? base
  if (treatment.kind === 'refused') return treatment
  if (isGlobal(line) && (treatment.kind === 'guarded' || treatment.runsProjectScripts)) {
    return refuse('works on the global folder (-g), which safe-npm does not guard yet', 'run it in the project without -g')
  }
  if (treatment.kind === 'guarded' && (isTrue(line.flags.workspaces) || isTrue(line.flags['include-workspace-root']))) {
    return refuse('uses --workspaces or --include-workspace-root, which safe-npm does not guard yet', 'name each workspace with `-w <name>`')
  }
  return treatment
}

/** Commands whose first argument is a sub-command worth naming in a refusal (`npm audit fix`). */
const SUB_COMMANDS = new Set(['audit', 'cache'])

/** The one line a refusal prints (after `safe-npm: error EUNGUARDED: `). */
export function refusalMessage(line: Pick<CommandLine, 'command' | 'typed' | 'args'>, treatment: Extract<Treatment, { kind: 'refused' }>): string {
  const shown = ['npm', line.typed, ...(SUB_COMMANDS.has(line.command) ? line.args.slice(0, 1) : [])].join(' ')
  return `safe-npm refuses "${shown}": it ${treatment.why}; instead, ${treatment.instead} (or run it with npm itself if you accept it unchecked)`
}
