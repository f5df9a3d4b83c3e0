// npm commands that cannot install or run package code (commands.ts) are
// handed to npm unchanged, with npm's exit code. The npm is npm's own CLI
// (npm-binary.ts), never safe-npm again through a wrapper or link named npm.
import { execa } from 'execa'
import { NpmFailure } from '../errors.js'
import type { Io } from './io.js'
import { handoffEnv, locateNpm } from './npm-binary.js'

export async function passToNpm(args: string[], io: Io): Promise<number> {
  const npm = locateNpm(io.env, process.execPath, process.platform, io.cwd)
  try {
    const result = await execa(npm.command, [...npm.prefixArgs, ...args], {
      cwd: io.cwd,
      env: handoffEnv(args, io.env),
      extendEnv: false,
      stdio: 'inherit',
      reject: false,
    })
    if (result.failed && result.exitCode === undefined) {
      throw new NpmFailure(`could not run npm (${npm.origin}): ${result.shortMessage}`, 'ENONPM')
    }
    return result.exitCode ?? 1
  } catch (error) {
    if (error instanceof NpmFailure) throw error
    throw new NpmFailure(`could not run npm (${npm.origin}): ${(error as Error).message}`, 'ENONPM')
  }
}
