// install, ci, check, update, uninstall, dedupe, rebuild: the engine runs the
// command; this file renders its outcome and maps it to an exit code.
import { EXIT } from '../errors.js'
import { loadSetup } from '../engine/setup.js'
import { runCommand, type RunMode } from '../engine/run.js'
import { REPORTERS } from '../report/index.js'
import { createStyle } from '../report/text-report.js'
import { isMachineOutput, type ParsedArgs } from './args.js'
import { configWarningLines } from './flag-suggestions.js'
import type { Io } from './io.js'
import { isProgressShown, ProgressLine } from './progress.js'
import { isPromptAllowed, offerApprovals } from './approve-prompt.js'
import { safeNpmVersion } from './version.js'

export type GuardMode = RunMode

/** The commands that install: after one is blocked on a terminal, the blocked findings may be approved there and then. */
const OFFERS_APPROVALS = new Set<GuardMode>(['install', 'ci', 'update', 'uninstall', 'dedupe'])

export async function runGuard(mode: GuardMode, parsed: ParsedArgs, io: Io): Promise<number> {
  const started = Date.now()
  const machine = isMachineOutput(parsed.own)
  const setup = await loadSetup({ npmArgs: parsed.npmArgs, cwd: io.cwd, env: io.env, ...parsed.own })
  const loglevel = String(setup.config.get('loglevel') ?? 'warn')
  io.stderr.write(configWarningLines(setup.config.warnings, parsed.npmLine.unknownFlags, loglevel))
  const progress = isProgressShown(io, {
    progress: setup.config.isDefault('progress') ? undefined : Boolean(setup.config.get('progress')),
    loglevel,
    isMachineOutput: machine,
  })
    ? new ProgressLine(io.stderr, { unicode: Boolean(setup.config.get('unicode')), columns: io.stderrColumns, delayMs: io.progressDelayMs })
    : null
  let outcome
  try {
    outcome = await runCommand({
      mode,
      setup,
      readsLockfileOnly: mode === 'check' && parsed.own.lockfile,
      isProbeRequested: parsed.own.probe,
      rootScriptsToStderr: machine,
      onPhase: (text, detail) => {
        // What runs next writes to the terminal itself (the project's scripts): the line goes for good.
        if (detail?.handsOverTerminal) progress?.stop()
        else progress?.update(text, detail?.total !== undefined ? { done: detail.done ?? 0, total: detail.total } : undefined)
      },
    })
  } finally {
    progress?.stop()
  }
  // check reports on stdout; an install explains itself on stderr: colour follows the stream.
  const reportStreamIsTTY = mode === 'check' ? io.stdoutIsTTY : io.stderrIsTTY
  const output = REPORTERS[parsed.own.format](outcome, {
    style: createStyle(reportStreamIsTTY && !io.env.NO_COLOR),
    toolVersion: safeNpmVersion(),
    seconds: (Date.now() - started) / 1000,
    loglevel,
  })
  if (output.stderr) io.stderr.write(output.stderr)
  if (output.stdout) io.stdout.write(output.stdout)
  if (outcome.judgement.isBlocked && OFFERS_APPROVALS.has(mode) && isPromptAllowed(io, machine)) {
    const policyOptions = {
      cwd: setup.config.prefix,
      policyFile: parsed.own.policyFile,
      orgPolicyFile: parsed.own.orgPolicyFile ?? (io.env.SAFE_NPM_ORG_POLICY || undefined),
      npmOptions: setup.config.flat,
    }
    if ((await offerApprovals(outcome.judgement.findings, io, policyOptions)) > 0) {
      io.stderr.write(`\nsafe-npm: judging again with the approvals\n`)
      // One round of questions: the second judgement stands as it is.
      return runGuard(mode, parsed, { ...io, stdin: undefined, stdinIsTTY: false })
    }
  }
  return outcome.judgement.isBlocked ? EXIT.blocked : EXIT.clean
}
