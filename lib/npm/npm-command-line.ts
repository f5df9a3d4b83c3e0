// The command line as npm itself reads it: npm's own flag definitions and
// parser (@npmcli/config's loadCLI), without reading any .npmrc. The CLI uses
// it to decide which npm command a command line runs, so that a flag value
// (`--prefix dir install`) can never be mistaken for the command, and to learn
// which flags npm does not know (typos such as `--save-deV`).
import { UsageError } from '../errors.js'

import { requireCommonJs } from '../model/commonjs.js'

const Config: typeof import('@npmcli/config') = requireCommonJs('@npmcli/config')
const npmDefinitions: typeof import('@npmcli/config/lib/definitions/index.js') = requireCommonJs('@npmcli/config/lib/definitions/index.js')

/** A flag npm's parser does not know as written. */
export interface UnknownNpmFlag {
  /** As npm names it, with dashes: `--save-deV`. */
  flag: string
  /** The npm option an abbreviation expands to (`--lockfil` → `lockfile-version`); absent for an unknown flag. */
  expandsTo?: string
}

export interface NpmCommandLine {
  /** The words that are not flags: the command as typed first, then its arguments. */
  positionals: string[]
  /** The flags given on the command line, by npm's config key (`-g` is `global`, `-ws` is `workspaces`). */
  flags: Record<string, unknown>
  /** Where in the arguments the command is (the first positional), or null when there is none. */
  commandIndex: number | null
  /** Flags npm would warn about: unknown ones and abbreviations of npm's own. */
  unknownFlags: UnknownNpmFlag[]
}

/** npm's names for its options: every definition key. */
export const NPM_OPTION_NAMES: readonly string[] = Object.keys(npmDefinitions.definitions)

const UNKNOWN = /^Unknown cli config "(--[^"]+)"/
const EXPANDING = /^Expanding (--\S+) to --(\S+)\./

function parse(args: string[], env: NodeJS.ProcessEnv): InstanceType<typeof Config> {
  const config = new Config({
    // No npm folder is needed: only the command line is read, never a config file.
    npmPath: '',
    definitions: npmDefinitions.definitions,
    shorthands: npmDefinitions.shorthands,
    flatten: npmDefinitions.flatten,
    argv: [process.execPath, 'npm', ...args],
    env,
    execPath: process.execPath,
    platform: process.platform,
    warn: false,
  })
  try {
    // Defaults first: npm checks mutually exclusive flags against them.
    config.loadDefaults()
    config.loadCLI()
  } catch (error) {
    throw new UsageError(`npm cannot read this command line: ${(error as Error).message.split('\n')[0]}`, 'EUSAGE')
  }
  return config
}

/** What npm logs while it parses (proc-log events), kept instead of printed: npm's loader warns through them. */
function collectingWarnings<T>(work: () => T): { value: T; warnings: string[] } {
  const warnings: string[] = []
  const listener = (level: unknown, ...args: unknown[]) => {
    if (level === 'warn') warnings.push(args.map(String).join(' '))
  }
  process.on('log', listener)
  try {
    return { value: work(), warnings }
  } finally {
    process.off('log', listener)
  }
}

/**
 * Where the command is: the first argument that npm's parser leaves as a
 * positional. nopt reads left to right and decides whether a flag takes the
 * next argument from the flag alone, so parsing each prefix tells whether the
 * argument at its end is a flag's value or the first positional.
 */
function findCommandIndex(args: string[], env: NodeJS.ProcessEnv, command: string | undefined): number | null {
  if (command === undefined) return null
  for (let index = 0; index < args.length; index++) {
    if (args[index] !== command) continue
    const { value } = collectingWarnings(() => parse(args.slice(0, index + 1), env))
    if (value.parsedArgv.remain.length === 1) return index
  }
  return null
}

export function readNpmCommandLine(args: string[], env: NodeJS.ProcessEnv): NpmCommandLine {
  const { value: config, warnings } = collectingWarnings(() => {
    const parsed = parse(args, env)
    // npm queues its "Unknown cli config" warnings and prints them once the command is known.
    parsed.logWarnings()
    return parsed
  })
  const unknownFlags: UnknownNpmFlag[] = []
  for (const warning of warnings) {
    const unknown = UNKNOWN.exec(warning)
    if (unknown) unknownFlags.push({ flag: unknown[1] })
    const expanding = EXPANDING.exec(warning)
    if (expanding) unknownFlags.push({ flag: expanding[1], expandsTo: expanding[2] })
  }
  const positionals = [...config.parsedArgv.remain]
  return {
    positionals,
    flags: { ...config.data.get('cli')!.data },
    commandIndex: findCommandIndex(args, env, positionals[0]),
    unknownFlags,
  }
}
