// Entry point: safe-npm's own commands, then npm's, each guarded, refused or
// handed to npm as commands.ts decides.
import { parseArgs, type ParsedArgs } from './args.js'
import { decideCommand, refusalMessage, resolveNpmCommand, type CommandLine } from './commands.js'
import { judgeUnknownFlags } from './flag-suggestions.js'
import { safeNpmVersion } from './version.js'
import { processIo, type Io } from './io.js'
import { assertNotHandedBack, locateNpm, npmVersionOf } from './npm-binary.js'
import { renderError } from './render-error.js'
import { UsageError } from '../errors.js'

// execa (about 70 ms to load) only for a command that goes to npm.
const passToNpm = async (argv: string[], io: Io): Promise<number> => (await import('./passthrough.js')).passToNpm(argv, io)

// safe-npm's own commands; every npm command is decided in commands.ts.
const OWN_COMMANDS = new Set(['check', 'policy', 'intel', 'sbom', 'inspect', 'hook', 'init', 'doctor', 'approve'])

const HELP = `safe-npm: a policy guard in front of npm install

Usage:
  safe-npm install [<spec>...] [npm flags]   judge the tree npm would install, then install exactly that tree
  safe-npm ci [npm flags]                    npm ci, with every lockfile entry judged first
  safe-npm update [<name>...]                npm update, judged first
  safe-npm uninstall <name>...               npm uninstall, judged first (removing can change what else resolves)
  safe-npm install-test | install-ci-test    the guarded install or ci, then npm test
  safe-npm rebuild [<name>...]               run the install scripts the policy allows, of what is installed
  safe-npm dedupe                            npm dedupe, judged first
  safe-npm check [--lockfile]                judge without installing (the tree install would produce, or package-lock.json)
  safe-npm inspect <spec>...                 judge what the specs would add, before adding them: every signal, passed ones too
  safe-npm sbom [--lockfile]                 a CycloneDX SBOM (--spec-version 1.6 or 1.5) of the judged tree, findings attached
  safe-npm policy [--schema]                 print the effective policy and where each setting came from
  safe-npm policy import [--from npm|pnpm|yarn|lavamoat] [--write]
                                             turn npm/pnpm/Yarn/LavaMoat settings into policy (--write: into the policy file)
  safe-npm approve <pkg>[@range] --rule <id> --reason "…" [--expires 30d|2026-12-31]
                                             record an exception (install-scripts: a script allowance) in the policy file
  safe-npm intel status|update               what the malware feeds hold and whether they answer; update refetches
  safe-npm init [--preset strict] [--dry-run] write a policy, the preinstall hook and the npm settings that enforce it
  safe-npm hook                              the project's preinstall script: judge what plain npm installs, take out what is blocked
  safe-npm doctor                            check that setup (hook, npm settings, npm version, policy, feeds); exit 1 when something needs fixing
  safe-npm <other npm command>               handed to npm unchanged, or refused (exit 2, EUNGUARDED) if it would install or run package code unchecked

Options:
  --policy <file>       use this policy instead of the discovered one
  --org-policy <file>   the organisation floor (also SAFE_NPM_ORG_POLICY)
  --json                machine-readable output on stdout (same as --format json)
  --format <f>          text (default), json, sarif (SARIF 2.1.0 for code scanning) or cyclonedx (an SBOM)
  --lockfile            check, sbom: judge package-lock.json as it is
  --spec-version <v>    sbom, --format cyclonedx: CycloneDX 1.6 (default) or 1.5
  --probe               check/install: probe the public registry for the policy's private names
  --preset <name>       init: the policy to write when the project has none (default or strict)
  --dry-run             init: show the changes, write nothing (install and the others: npm's --dry-run)

Environment:
  SAFE_NPM_NPM=<path>   the npm to hand other commands to (npm's bin/npm-cli.js or an npm executable)
  SAFE_NPM_AS_NPM=1     invoked as npm (alias npm='SAFE_NPM_AS_NPM=1 safe-npm'): --version prints npm's version

Exit codes: 0 clean (warnings allowed), 1 blocked by policy, 2 usage, policy or config error,
3 npm/Arborist failure (resolution, network, install), 70 internal error.`


/** The command line as npm reads it (npm's own parser found the command in parseArgs). */
function commandLineOf(parsed: ParsedArgs, io: Io): CommandLine {
  const [typed, ...args] = parsed.npmLine.positionals
  return { command: resolveNpmCommand(typed) ?? typed, typed, args, flags: parsed.npmLine.flags, cwd: io.cwd, env: io.env }
}

/**
 * Invoked as npm: through a link or copy named `npm` (argv[1]), or with
 * SAFE_NPM_AS_NPM=1 (how `alias npm=safe-npm` says so: an alias leaves argv
 * alone). Then `--version` is npm's, for the tools that parse it.
 */
function isInvokedAsNpm(io: Io): boolean {
  return io.env.SAFE_NPM_AS_NPM === '1' || /^npm(\.js|\.cmd)?$/i.test(io.invokedAs ?? '')
}

/** `0.1.0 (npm 11.19.1)`: safe-npm's version first (tools read the first word), then the npm it hands commands to. */
function versionLine(io: Io): string {
  let npmVersion: string | null = null
  try {
    npmVersion = npmVersionOf(locateNpm(io.env, process.execPath, process.platform, io.cwd))
  } catch {
    // no npm found: safe-npm's own version alone
  }
  return `${safeNpmVersion()}${npmVersion ? ` (npm ${npmVersion})` : ''}`
}

export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  let parsed: ParsedArgs | null = null
  try {
    assertNotHandedBack(argv, io.env)
    parsed = parseArgs(argv, io.env)
    // Invoked as npm, `npm approve` is npm's own abbreviation of approve-scripts.
    const isOwn = parsed.command !== null && OWN_COMMANDS.has(parsed.command) && !(parsed.command === 'approve' && isInvokedAsNpm(io))
    const line = parsed.command && parsed.command !== 'help' && !isOwn ? commandLineOf(parsed, io) : null
    const treatment = line ? decideCommand(line) : null
    if (treatment?.kind === 'passthrough') return await passToNpm(argv, io)
    // As npm does, --version prints the version whatever the command (`npm install --version` installs nothing).
    if (parsed.own.version) {
      if (isInvokedAsNpm(io)) return await passToNpm(argv, io)
      io.stdout.write(`${versionLine(io)}\n`)
      return 0
    }
    if (!parsed.command || parsed.command === 'help' || (parsed.own.help && OWN_COMMANDS.has(parsed.command))) {
      io.stdout.write(`${HELP}\n`)
      return 0
    }
    // approve has options of its own (--rule, --reason, --expires), checked by its own parser.
    if (parsed.command === 'approve' && isOwn) return await (await import('./approve-command.js')).runApprove(parsed, io)
    // Not npm's to run as it likes: an option one slip from safe-npm's own is an error (before a
    // refusal, since `--polciy x.json install` would otherwise run "x.json").
    const typo = judgeUnknownFlags(parsed.npmLine.unknownFlags).error
    if (typo) throw typo

    // The guard loads Arborist and the policy machinery: only when a command needs them,
    // so commands handed to npm (alias npm=safe-npm) start as fast as npm.
    const guarded = async () => import('./guarded-command.js')
    if (parsed.command === 'check') return await (await guarded()).runGuard('check', parsed, io)
    if (parsed.command === 'inspect') return await (await guarded()).runInspect(parsed, io)
    // npm's own SPDX SBOM stays npm's.
    if (parsed.command === 'sbom') return parsed.npmLine.flags['sbom-format'] === 'spdx' ? await passToNpm(argv, io) : await (await guarded()).runSbom(parsed, io)
    if (parsed.command === 'intel') return await (await import('./intel-command.js')).runIntel(parsed, io)
    if (parsed.command === 'policy') return await (await import('./policy-command.js')).showPolicy(parsed, io)
    if (parsed.command === 'hook') return await (await import('./hook-command.js')).runHookCommand(parsed, io)
    if (parsed.command === 'init') return await (await import('./init-command.js')).runInit(parsed, io)
    if (parsed.command === 'doctor') return await (await import('./doctor-command.js')).runDoctor(parsed, io)
    if (!line || !treatment) throw new Error(`no decision for the command ${parsed.command}`)
    if (treatment.kind === 'refused') throw new UsageError(refusalMessage(line, treatment), 'EUNGUARDED')
    if (parsed.own.help) {
      io.stdout.write(`${HELP}\n`)
      return 0
    }
    const code = await (await guarded()).runGuard(treatment.mode, parsed, io)
    // install-test / install-ci-test: the guarded install or ci, then npm test.
    return treatment.thenTest && code === 0 ? await passToNpm(['test'], io) : code
  } catch (error) {
    // With a machine format, stdout still carries one document: the error.
    return renderError(error, io, parsed ? parsed.own.format !== 'text' : argv.includes('--json') || argv.some((arg) => /^--format(=|$)/.test(arg)))
  }
}
