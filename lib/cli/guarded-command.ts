// install, ci, check, update, uninstall, dedupe, rebuild: the engine runs the
// command; this file renders its outcome and maps it to an exit code.
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { EXIT, UsageError } from '../errors.js'
import { loadSetup } from '../engine/setup.js'
import type { PhaseDetail } from '../engine/gather.js'
import { inspectSpecs } from '../engine/inspect.js'
import { runCommand, type RunMode } from '../engine/run.js'
import { REPORTERS } from '../report/index.js'
import { formatInspection, toInspectionJson } from '../report/inspect-report.js'
import type { ProjectFileTexts } from '../report/sarif-report.js'
import { createStyle } from '../report/text-report.js'
import { isMachineOutput, type ParsedArgs } from './args.js'
import { configWarningLines } from './flag-suggestions.js'
import type { Io } from './io.js'
import { isProgressShown, ProgressLine } from './progress.js'
import { safeNpmVersion } from './version.js'

export type GuardMode = RunMode

/** The commands that install: after one is blocked on a terminal, the blocked findings may be approved there and then. */
const OFFERS_APPROVALS = new Set<GuardMode>(['install', 'ci', 'update', 'uninstall', 'dedupe'])

/** package.json and the lockfile npm reads (npm-shrinkwrap.json first) as they are now, for SARIF's line numbers. */
async function readProjectFiles(root: string): Promise<ProjectFileTexts> {
  const read = (name: string) => readFile(path.join(root, name), 'utf8').catch(() => null)
  const [manifest, shrinkwrap, lock] = await Promise.all([read('package.json'), read('npm-shrinkwrap.json'), read('package-lock.json')])
  const lockfile = shrinkwrap !== null ? { name: 'npm-shrinkwrap.json' as const, text: shrinkwrap } : lock !== null ? { name: 'package-lock.json' as const, text: lock } : null
  return { root, manifest, lockfile }
}

/** Setup, npm's config warnings and the progress line: how every guarded command starts. */
async function start(parsed: ParsedArgs, io: Io) {
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
  const onPhase = (text: string, detail?: PhaseDetail) => {
    // What runs next writes to the terminal itself (the project's scripts): the line goes for good.
    if (detail?.handsOverTerminal) progress?.stop()
    else progress?.update(text, detail?.total !== undefined ? { done: detail.done ?? 0, total: detail.total } : undefined)
  }
  return { machine, setup, loglevel, progress, onPhase }
}

export async function runGuard(mode: GuardMode, parsed: ParsedArgs, io: Io): Promise<number> {
  const started = Date.now()
  const { machine, setup, loglevel, progress, onPhase } = await start(parsed, io)
  let outcome
  try {
    outcome = await runCommand({
      mode,
      setup,
      readsLockfileOnly: mode === 'check' && parsed.own.lockfile,
      isProbeRequested: parsed.own.probe,
      rootScriptsToStderr: machine,
      onPhase,
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
    cycloneDxSpec: parsed.own.specVersion,
    ...(parsed.own.format === 'sarif' ? { projectFiles: await readProjectFiles(setup.config.prefix) } : {}),
  })
  if (output.stderr) io.stderr.write(output.stderr)
  if (output.stdout) io.stdout.write(output.stdout)
  // The approval dialogue (and the policy editing behind it) loads only for a blocked install.
  const approvals = outcome.judgement.isBlocked && OFFERS_APPROVALS.has(mode) ? await import('./approve-prompt.js') : null
  if (approvals?.isPromptAllowed(io, machine)) {
    const policyOptions = {
      cwd: setup.config.prefix,
      policyFile: parsed.own.policyFile,
      orgPolicyFile: parsed.own.orgPolicyFile ?? (io.env.SAFE_NPM_ORG_POLICY || undefined),
      npmOptions: setup.config.flat,
    }
    if ((await approvals.offerApprovals(outcome.judgement.findings, io, policyOptions)) > 0) {
      io.stderr.write(`\nsafe-npm: judging again with the approvals\n`)
      // One round of questions: the second judgement stands as it is.
      return runGuard(mode, parsed, { ...io, stdin: undefined, stdinIsTTY: false })
    }
  }
  return outcome.judgement.isBlocked ? EXIT.blocked : EXIT.clean
}

/** `safe-npm inspect <spec>...`: every signal of what the specs would add, nothing installed. */
export async function runInspect(parsed: ParsedArgs, io: Io): Promise<number> {
  if (!['text', 'json'].includes(parsed.own.format)) throw new UsageError(`safe-npm inspect prints text or --json (got --format ${parsed.own.format})`, 'EUSAGE')
  const { machine, setup, loglevel, progress, onPhase } = await start(parsed, io)
  let inspection
  try {
    inspection = await inspectSpecs({ setup, isProbeRequested: parsed.own.probe, rootScriptsToStderr: machine, onPhase })
  } finally {
    progress?.stop()
  }
  const specs = setup.config.positionals
  if (machine) io.stdout.write(`${JSON.stringify(toInspectionJson(inspection, specs), null, 2)}\n`)
  else {
    const output = formatInspection(inspection, specs, createStyle(io.stdoutIsTTY && !io.env.NO_COLOR), loglevel)
    if (output.stderr) io.stderr.write(output.stderr)
    io.stdout.write(output.stdout)
  }
  return inspection.outcome.judgement.isBlocked ? EXIT.blocked : EXIT.clean
}

/** `safe-npm sbom`: the CycloneDX SBOM of the tree check would judge (or of the lockfile with --lockfile). */
export async function runSbom(parsed: ParsedArgs, io: Io): Promise<number> {
  if (!['text', 'cyclonedx'].includes(parsed.own.format)) throw new UsageError(`safe-npm sbom prints CycloneDX (got --format ${parsed.own.format}; use safe-npm check for it)`, 'EUSAGE')
  return runGuard('check', { ...parsed, own: { ...parsed.own, format: 'cyclonedx' } }, io)
}
