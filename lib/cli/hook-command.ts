// `safe-npm hook`: the project's preinstall script under plain npm (see
// lib/engine/hook.ts for what npm lets it stop). Inside safe-npm install the
// tree was judged already: the hook does nothing and prints nothing.
import { EXIT } from '../errors.js'
import { readHookContext, runHook } from '../engine/hook.js'
import { loadSetup } from '../engine/setup.js'
import { formatHook } from '../report/hook-report.js'
import { createStyle } from '../report/text-report.js'
import type { ParsedArgs } from './args.js'
import type { Io } from './io.js'

export async function runHookCommand(parsed: ParsedArgs, io: Io): Promise<number> {
  const context = readHookContext(io.env, io.cwd)
  if (context.isInsideJudgedInstall) return EXIT.clean
  const setup = await loadSetup({ npmArgs: parsed.npmArgs, cwd: io.cwd, env: io.env, ...parsed.own })
  const outcome = await runHook(setup, context)
  io.stderr.write(formatHook(outcome, createStyle(io.stderrIsTTY && !io.env.NO_COLOR)))
  return outcome.run.judgement.isBlocked ? EXIT.blocked : EXIT.clean
}
