// The decision table over every npm 11 command and alias, checked against the
// npm installed on this machine so that a new npm command is noticed.
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { decideCommand, NPM_ALIASES, NPM_COMMANDS, resolveNpmCommand, type CommandLine, type Treatment } from '../../lib/cli/commands.js'
import { readNpmCommandLine } from '../../lib/npm/npm-command-line.js'

// What safe-npm does with each npm 11 command: guarded:<mode>[+test], refused, or passthrough.
const EXPECTED: Record<string, string> = {
  access: 'passthrough', adduser: 'passthrough', 'approve-scripts': 'passthrough', audit: 'passthrough', bugs: 'passthrough',
  cache: 'passthrough', ci: 'guarded:ci', completion: 'passthrough', config: 'passthrough', dedupe: 'guarded:dedupe',
  'deny-scripts': 'passthrough', deprecate: 'passthrough', diff: 'passthrough', 'dist-tag': 'passthrough', docs: 'passthrough',
  doctor: 'passthrough', edit: 'refused', exec: 'refused', explain: 'passthrough', explore: 'passthrough', 'find-dupes': 'refused',
  fund: 'passthrough', get: 'passthrough', help: 'passthrough', 'help-search': 'passthrough', init: 'passthrough',
  install: 'guarded:install', 'install-ci-test': 'guarded:ci+test', 'install-scripts': 'passthrough', 'install-test': 'guarded:install+test',
  link: 'refused', ll: 'passthrough', login: 'passthrough', logout: 'passthrough', ls: 'passthrough', org: 'passthrough',
  outdated: 'passthrough', owner: 'passthrough', pack: 'passthrough', ping: 'passthrough', pkg: 'passthrough', prefix: 'passthrough',
  profile: 'passthrough', prune: 'refused', publish: 'passthrough', query: 'passthrough', rebuild: 'guarded:rebuild', repo: 'passthrough',
  restart: 'passthrough', root: 'passthrough', run: 'passthrough', sbom: 'passthrough', search: 'passthrough', set: 'passthrough',
  shrinkwrap: 'passthrough', stage: 'passthrough', star: 'passthrough', stars: 'passthrough', start: 'passthrough', stop: 'passthrough',
  team: 'passthrough', test: 'passthrough', token: 'passthrough', trust: 'passthrough', undeprecate: 'passthrough',
  uninstall: 'guarded:uninstall', unpublish: 'passthrough', unstar: 'passthrough', update: 'guarded:update', version: 'passthrough',
  view: 'passthrough', whoami: 'passthrough',
}

// npm 11's aliases (lib/utils/cmd-list.js), each with the command it runs.
const EXPECTED_ALIASES: Record<string, string> = {
  author: 'owner', home: 'docs', issues: 'bugs', info: 'view', show: 'view', find: 'search', add: 'install', unlink: 'uninstall',
  remove: 'uninstall', rm: 'uninstall', r: 'uninstall', un: 'uninstall', rb: 'rebuild', list: 'ls', ln: 'link', create: 'init',
  i: 'install', it: 'install-test', cit: 'install-ci-test', u: 'update', up: 'update', c: 'config', s: 'search', se: 'search',
  tst: 'test', t: 'test', ddp: 'dedupe', v: 'view', 'run-script': 'run', 'clean-install': 'ci', 'clean-install-test': 'install-ci-test',
  x: 'exec', why: 'explain', la: 'll', verison: 'version', ic: 'ci', innit: 'init', in: 'install', ins: 'install', inst: 'install',
  insta: 'install', instal: 'install', isnt: 'install', isnta: 'install', isntal: 'install', isntall: 'install', 'install-clean': 'ci',
  'isntall-clean': 'ci', hlep: 'help', 'dist-tags': 'dist-tag', upgrade: 'update', udpate: 'update', rum: 'run', sit: 'install-ci-test',
  urn: 'run', ogr: 'org', 'add-user': 'adduser',
}

const tempDirs: string[] = []
const tempProject = (files: Record<string, string>): string => {
  const dir = realpathSync(mkdtempSync(path.join(tmpdir(), 'safe-npm-commands-')))
  tempDirs.push(dir)
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true })
    writeFileSync(path.join(dir, file), text)
  }
  return dir
}

const describe = (treatment: Treatment): string =>
  treatment.kind === 'guarded' ? `guarded:${treatment.mode}${treatment.thenTest ? '+test' : ''}` : treatment.kind

/** The treatment of `npm ...argv` in cwd, read as npm reads the command line. */
function decide(argv: string[], cwd = process.cwd(), env: NodeJS.ProcessEnv = {}): string {
  const { positionals, flags } = readNpmCommandLine(argv, env)
  const [typed, ...args] = positionals
  const line: CommandLine = { command: resolveNpmCommand(typed) ?? typed, typed, args, flags, cwd, env }
  return describe(decideCommand(line))
}

/** npm's own command list, from the npm found on PATH or next to node. */
function installedCmdList(): { commands: string[]; aliases: Record<string, string>; deref: (word: string) => string | undefined } {
  const candidates: string[] = []
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const bin = path.join(dir, 'npm')
    if (dir && existsSync(bin)) candidates.push(path.resolve(path.dirname(realpathSync(bin)), '..'))
  }
  candidates.push(path.resolve(path.dirname(process.execPath), '../lib/node_modules/npm'))
  const npmDir = candidates.find((dir) => existsSync(path.join(dir, 'lib/utils/cmd-list.js')))
  assert.ok(npmDir, `npm's lib/utils/cmd-list.js not found in ${candidates.join(', ')}`)
  return createRequire(import.meta.url)(path.join(npmDir!, 'lib/utils/cmd-list.js'))
}

test('every npm command has the expected treatment', () => {
  assert.equal(Object.keys(NPM_COMMANDS).sort(), Object.keys(EXPECTED).sort())
  for (const [command, expected] of Object.entries(EXPECTED)) assert.is(describe(NPM_COMMANDS[command].treatment), expected, command)
})

test('every alias runs the command npm runs, with that command’s treatment', () => {
  assert.equal(NPM_ALIASES, EXPECTED_ALIASES)
  for (const [alias, command] of Object.entries(EXPECTED_ALIASES)) assert.is(resolveNpmCommand(alias), command, alias)
  const dir = tempProject({ 'package.json': '{"name":"app","version":"1.0.0"}' })
  // Through the whole decision, with an argument (exec and init change with theirs: tested below).
  for (const alias of ['add', 'i', 'it', 'cit', 'sit', 'u', 'up', 'rm', 'un', 'rb', 'ddp', 'ic', 'clean-install', 'ln', 'run-script', 't']) {
    assert.is(decide([alias, 'some-name'], dir), EXPECTED[EXPECTED_ALIASES[alias]], alias)
  }
})

test('the installed npm has no command or alias the table lacks', () => {
  const npm = installedCmdList()
  assert.equal([...npm.commands].sort(), Object.keys(NPM_COMMANDS).sort(), 'npm commands')
  assert.equal(npm.aliases, { ...NPM_ALIASES }, 'npm aliases')
})

test('a command resolves as the installed npm resolves it: abbreviations and camelCase too', () => {
  const npm = installedCmdList()
  const words = new Set<string>(['installTest', 'installCiTest', 'findDupes', 'runScript', 'unknown', 'zz'])
  for (const name of [...npm.commands, ...Object.keys(npm.aliases)]) {
    for (let length = 1; length <= name.length; length++) words.add(name.slice(0, length))
  }
  for (const word of words) assert.is(resolveNpmCommand(word), npm.deref(word), word)
})

test('an abbreviation of an installing command is guarded or refused like the command', () => {
  const dir = tempProject({ 'package.json': '{"name":"app","version":"1.0.0"}' })
  assert.is(decide(['upd'], dir), 'guarded:update')
  assert.is(decide(['unins', 'x'], dir), 'guarded:uninstall')
  assert.is(decide(['exe', 'left-pad'], dir), 'refused')
  assert.is(decide(['pru'], dir), 'refused')
  assert.is(decide(['installCiTest'], dir), 'guarded:ci+test')
})

test('sub-commands and arguments that install or run package code are refused', () => {
  const dir = tempProject({ 'package.json': '{"name":"app","version":"1.0.0"}' })
  const cases: Array<[string[], string]> = [
    [['audit'], 'passthrough'],
    [['audit', 'fix'], 'refused'],
    [['audit', 'signatures'], 'passthrough'],
    [['cache', 'add', 'left-pad@1.3.0'], 'passthrough'],
    [['cache', 'add', 'github:someone/thing'], 'refused'],
    [['cache', 'ls'], 'passthrough'],
    [['pack'], 'passthrough'],
    [['pack', 'git+https://example.com/x.git'], 'refused'],
    [['publish', 'someone/thing'], 'refused'],
    [['diff', '--diff=left-pad@1.3.0'], 'passthrough'],
    [['diff', '--diff', 'github:someone/thing'], 'refused'],
    [['init'], 'passthrough'],
    [['init', 'react-app'], 'refused'],
    [['create', '@scope'], 'refused'],
    [['init', '-w', 'packages/a'], 'refused'],
    [['install-scripts', 'approve', 'esbuild'], 'passthrough'],
    [['pkg', 'set', 'name=x'], 'passthrough'],
  ]
  for (const [argv, expected] of cases) assert.is(decide(argv, dir), expected, argv.join(' '))
})

test('-g refuses every command that installs or runs scripts, wherever it stands; read-only commands keep it', () => {
  const dir = tempProject({ 'package.json': '{"name":"app","version":"1.0.0"}' })
  for (const argv of [['install', '-g', 'x'], ['-g', 'install', 'x'], ['i', '--global', 'x'], ['update', '--location=global'], ['rebuild', '--location', 'global'], ['run', 'build', '-g'], ['install-test', '-g']]) {
    assert.is(decide(argv, dir), 'refused', argv.join(' '))
  }
  assert.is(decide(['install', 'x'], dir, { npm_config_global: 'true' }), 'refused', 'npm_config_global')
  assert.is(decide(['install', '--no-global', 'x'], dir, { npm_config_global: 'true' }), 'guarded:install', '--no-global wins')
  for (const argv of [['ls', '-g'], ['root', '-g'], ['outdated', '-g'], ['prefix', '--global']]) assert.is(decide(argv, dir), 'passthrough', argv.join(' '))
})

test('--workspaces and --include-workspace-root are refused on guarded commands; -w is guarded', () => {
  const dir = tempProject({ 'package.json': '{"name":"app","version":"1.0.0"}' })
  for (const argv of [['install', '--workspaces'], ['install', '-ws'], ['ci', '-iwr'], ['update', '--include-workspace-root', '-w', 'a']]) {
    assert.is(decide(argv, dir), 'refused', argv.join(' '))
  }
  assert.is(decide(['install', '-w', 'a'], dir), 'guarded:install')
  assert.is(decide(['install', '--no-workspaces'], dir), 'guarded:install')
  assert.is(decide(['run', 'build', '-ws'], dir), 'passthrough')
})

test('exec runs an installed bin; anything that npm would fetch is refused', () => {
  const dir = tempProject({
    'package.json': '{"name":"app","version":"1.0.0","bin":{"app-cli":"cli.js"}}',
    'node_modules/.bin/tool': '#!/bin/sh\n',
    'node_modules/.bin/app-cli': '#!/bin/sh\n',
    'src/index.js': '',
  })
  assert.is(decide(['exec', 'tool'], dir), 'passthrough')
  assert.is(decide(['x', 'tool', '--', '--flag'], path.join(dir, 'src')), 'passthrough', 'from a sub-folder')
  assert.is(decide(['exec', '-c', 'tool --version'], dir), 'passthrough', '--call without --package')
  assert.is(decide(['exec'], dir), 'passthrough', 'an interactive shell')
  assert.is(decide(['exec', 'left-pad'], dir), 'refused', 'not installed')
  assert.is(decide(['exec', 'tool@1.0.0'], dir), 'refused', 'a spec')
  assert.is(decide(['exec', '@scope/tool'], dir), 'refused', 'a scoped spec')
  assert.is(decide(['exec', '--package=tool', '--', 'tool'], dir), 'refused', '--package')
  assert.is(decide(['exec', 'tool'], dir, { npm_config_package: 'left-pad' }), 'refused', 'npm_config_package')
  assert.is(decide(['exec', 'app-cli'], dir), 'refused', "the project's own bin: npm installs the project into its npx cache")
  assert.is(decide(['exec', '-w', 'a', 'tool'], dir), 'refused', 'workspaces')
  assert.is(decide(['exec', 'tool', '-g'], dir), 'refused', '-g')
  // In a workspace, npm's project folder is the workspace root: a bin only in the workspace's node_modules is not found there.
  const mono = tempProject({
    'package.json': '{"name":"root","version":"1.0.0","workspaces":["packages/*"]}',
    'packages/a/package.json': '{"name":"a","version":"1.0.0"}',
    'packages/a/node_modules/.bin/only-here': '',
  })
  assert.is(decide(['exec', 'only-here'], path.join(mono, 'packages/a')), 'refused', 'bin below the workspace root')
})

test('an unknown command is refused rather than handed to npm', () => {
  assert.is(decide(['frobnicate']), 'refused')
})

test.after(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true })
})

test.run()
