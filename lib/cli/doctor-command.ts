// `safe-npm doctor`: one line per check; exit 0 when all are fine, 1 when something needs fixing.
import { diagnose } from '../engine/doctor.js'
import { EXIT } from '../errors.js'
import { isMachineOutput, type ParsedArgs } from './args.js'
import type { Io } from './io.js'
import { locateNpm, npmVersionOf } from './npm-binary.js'

function npmVersion(env: NodeJS.ProcessEnv): string | null {
  try {
    return npmVersionOf(locateNpm(env))
  } catch {
    return null
  }
}

export async function runDoctor(parsed: ParsedArgs, io: Io): Promise<number> {
  const checks = await diagnose({ npmArgs: parsed.npmArgs, cwd: io.cwd, env: io.env, policyFile: parsed.own.policyFile, orgPolicyFile: parsed.own.orgPolicyFile, npmVersion: npmVersion(io.env) })
  const toFix = checks.filter((check) => !check.isFine)
  if (isMachineOutput(parsed.own)) io.stdout.write(`${JSON.stringify({ isFine: toFix.length === 0, checks }, null, 2)}\n`)
  else {
    const lines = checks.map((check) => `${check.isFine ? 'ok ' : 'fix'}  ${check.area}: ${check.message}${check.fix ? `\n       → ${check.fix}` : ''}`)
    lines.push(toFix.length === 0 ? 'safe-npm doctor: all fine.' : `safe-npm doctor: ${toFix.length} thing${toFix.length === 1 ? '' : 's'} to fix.`)
    io.stdout.write(`${lines.join('\n')}\n`)
  }
  return toFix.length === 0 ? EXIT.clean : EXIT.blocked
}
