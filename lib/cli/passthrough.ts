// npm commands that cannot install or run package code (commands.ts) are
// handed to npm unchanged, with npm's exit code.
import { execa } from 'execa'
import { NpmFailure } from '../errors.js'
import type { Io } from './io.js'

export async function passToNpm(args: string[], io: Io): Promise<number> {
  try {
    const result = await execa('npm', args, { cwd: io.cwd, env: io.env, extendEnv: false, stdio: 'inherit', reject: false })
    if (result.failed && result.exitCode === undefined) {
      throw new NpmFailure(`could not run npm: ${result.shortMessage}`, 'ENONPM')
    }
    return result.exitCode ?? 1
  } catch (error) {
    if (error instanceof NpmFailure) throw error
    throw new NpmFailure(`could not run npm: ${(error as Error).message}`, 'ENONPM')
  }
}
