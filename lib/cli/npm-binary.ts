// Which npm safe-npm hands commands to. Under `alias npm=safe-npm`, or with a
// wrapper script named `npm` on PATH that calls safe-npm, the `npm` on PATH
// may be safe-npm itself, and running it would recurse. npm's own CLI is
// looked for first where it cannot be safe-npm, in this order:
//   1. SAFE_NPM_NPM: a path to npm-cli.js or to an npm executable;
//   2. npm_execpath, when it names npm's npm-cli.js (npm sets it for scripts);
//   3. the npm installed beside the running node (how Node ships npm);
//   4. an `npm` on PATH whose real path is not safe-npm's own bin.
// A wrapper that calls safe-npm under another real path is still caught: the
// command line handed to npm is recorded in the environment, and a safe-npm
// started with exactly that command line is the npm it just started; a
// wrapper that changes the arguments is stopped by a depth count.
import { readFileSync, realpathSync, statSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { NpmFailure, UsageError } from '../errors.js'

export interface NpmBinary {
  /** What to spawn: node for npm-cli.js, else the executable itself. */
  command: string
  /** Arguments before npm's own: [npm-cli.js] when run through node. */
  prefixArgs: string[]
  /** Where it was found, for messages. */
  origin: string
  /** npm's package folder, when known (for its version). */
  packageDir: string | null
}

/** Set in the environment of the npm safe-npm starts: the command line it was given, as JSON. */
export const HANDOFF_ENV = 'SAFE_NPM_HANDED_TO_NPM'
/** How many safe-npm → npm hand-overs led to this process. */
export const DEPTH_ENV = 'SAFE_NPM_DEPTH'
/** Far more nesting than scripts calling scripts ever need: only a loop gets here. */
const MAX_DEPTH = 16

const isFile = (file: string) => {
  try {
    return statSync(file).isFile()
  } catch {
    return false
  }
}

const realPath = (file: string): string | null => {
  try {
    return realpathSync(file)
  } catch {
    return null
  }
}

/** safe-npm's own executable (bin/safe-npm.js), by its real path. */
function ownBin(): string | null {
  // lib/cli/ from source, dist/lib/cli/ in the build: the package root is where bin/safe-npm.js is.
  let dir = path.dirname(fileURLToPath(import.meta.url))
  for (let depth = 0; depth < 4; depth++) {
    const bin = path.join(dir, 'bin', 'safe-npm.js')
    if (isFile(bin)) return realPath(bin)
    dir = path.dirname(dir)
  }
  return null
}

/** npm's package folder for a real path to npm-cli.js (…/npm/bin/npm-cli.js), when it has npm's package.json. */
function packageDirOf(cli: string): string | null {
  const dir = path.dirname(path.dirname(cli))
  try {
    return JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'))?.name === 'npm' ? dir : null
  } catch {
    return null
  }
}

function viaNode(cli: string, origin: string, execPath: string): NpmBinary {
  const real = realPath(cli) ?? cli
  return { command: execPath, prefixArgs: [real], origin, packageDir: packageDirOf(real) }
}

function fromExecutable(file: string, origin: string, execPath: string): NpmBinary {
  const real = realPath(file) ?? file
  // Usually a symlink to npm-cli.js: run that with this node, as the shebang would.
  if (real.endsWith('.js')) return viaNode(real, origin, execPath)
  return { command: file, prefixArgs: [], origin, packageDir: null }
}

/** `cwd` is where a relative SAFE_NPM_NPM is taken from: the directory safe-npm was run in (Io's cwd). */
export function locateNpm(env: NodeJS.ProcessEnv, execPath = process.execPath, platform = process.platform, cwd = process.cwd()): NpmBinary {
  if (env.SAFE_NPM_NPM) {
    const file = path.resolve(cwd, env.SAFE_NPM_NPM)
    if (!isFile(file)) throw new UsageError(`SAFE_NPM_NPM=${env.SAFE_NPM_NPM} is not a file (it should name npm's bin/npm-cli.js or an npm executable)`, 'ENONPM')
    if (realPath(file) === ownBin()) throw new UsageError(`SAFE_NPM_NPM=${env.SAFE_NPM_NPM} is safe-npm itself, not npm`, 'ENONPM')
    return fromExecutable(file, 'SAFE_NPM_NPM', execPath)
  }
  if (env.npm_execpath && path.basename(env.npm_execpath) === 'npm-cli.js' && isFile(env.npm_execpath)) {
    return viaNode(env.npm_execpath, 'npm_execpath', execPath)
  }
  const nodeDir = path.dirname(execPath)
  const besideNode =
    platform === 'win32' ? path.join(nodeDir, 'node_modules', 'npm', 'bin', 'npm-cli.js') : path.join(nodeDir, '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js')
  if (isFile(besideNode)) return viaNode(besideNode, `the npm beside ${execPath}`, execPath)
  const own = ownBin()
  const names = platform === 'win32' ? ['npm.cmd', 'npm.exe', 'npm'] : ['npm']
  for (const dir of (env.PATH ?? env.Path ?? '').split(path.delimiter)) {
    if (!dir) continue
    for (const name of names) {
      const file = path.join(dir, name)
      if (!isFile(file)) continue
      if (own !== null && realPath(file) === own) continue // a link named npm to safe-npm itself
      return fromExecutable(file, file, execPath)
    }
  }
  throw new NpmFailure("npm was not found (not beside node, not on PATH): set SAFE_NPM_NPM to npm's bin/npm-cli.js", 'ENONPM')
}

/** npm's version, from its package.json, when the npm found is an npm package folder; null otherwise. */
export function npmVersionOf(binary: NpmBinary): string | null {
  if (!binary.packageDir) return null
  try {
    const version = JSON.parse(readFileSync(path.join(binary.packageDir, 'package.json'), 'utf8'))?.version
    return typeof version === 'string' ? version : null
  } catch {
    return null
  }
}

/**
 * Refuses a safe-npm that the npm it handed a command to turns out to be:
 * started with exactly the command line that was handed over. A script npm
 * runs (`npm run build` calling `safe-npm install`) has another command line.
 */
export function assertNotHandedBack(argv: string[], env: NodeJS.ProcessEnv): void {
  const isSameLine = env[HANDOFF_ENV] !== undefined && env[HANDOFF_ENV] === JSON.stringify(argv)
  if (!isSameLine && Number(env[DEPTH_ENV] ?? 0) <= MAX_DEPTH) return
  throw new UsageError(
    "the npm safe-npm ran is safe-npm again (a wrapper named npm?): set SAFE_NPM_NPM to npm's own bin/npm-cli.js",
    'ENPMLOOP',
  )
}

/** The environment of the npm safe-npm starts: the hand-over recorded (see assertNotHandedBack). */
export function handoffEnv(argv: string[], env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...env, [HANDOFF_ENV]: JSON.stringify(argv), [DEPTH_ENV]: String(Number(env[DEPTH_ENV] ?? 0) + 1) }
}
