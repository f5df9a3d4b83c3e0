// safe-npm's own flags are taken out of argv first; everything else is npm's
// and goes to npm's own config loader untouched.
import { UsageError } from '../errors.js'
import { readNpmCommandLine, type NpmCommandLine } from '../npm/npm-command-line.js'
import { CYCLONEDX_SPEC_VERSIONS, OUTPUT_FORMATS, type CycloneDxSpecVersion, type OutputFormat } from '../report/formats.js'

export type { OutputFormat }

export interface OwnOptions {
  policyFile?: string
  orgPolicyFile?: string
  /** --format, or json for --json. */
  format: OutputFormat
  lockfile: boolean
  probe: boolean
  help: boolean
  version: boolean
  /** policy --schema */
  schema: boolean
  /** --spec-version: the CycloneDX version of sbom / --format cyclonedx (default 1.6). */
  specVersion?: CycloneDxSpecVersion
  /** init --preset */
  preset?: string
}

export interface ParsedArgs {
  command: string | null
  own: OwnOptions
  /** Arguments after the command, for npm's config loader (flags and specs). */
  npmArgs: string[]
  /** The whole command line without safe-npm's own flags, command included: what npm itself would parse. */
  npmArgv: string[]
  /** npmArgv as npm's own parser reads it: the command, the flags by npm's key, the flags npm does not know. */
  npmLine: NpmCommandLine
}

const VALUE_FLAGS: Record<string, 'policyFile' | 'orgPolicyFile' | 'format' | 'specVersion' | 'preset'> = {
  '--policy': 'policyFile',
  '--org-policy': 'orgPolicyFile',
  '--format': 'format',
  '--spec-version': 'specVersion',
  '--preset': 'preset',
}
const FORMATS: readonly OutputFormat[] = OUTPUT_FORMATS
const BOOLEAN_FLAGS: Record<string, 'lockfile' | 'probe' | 'help' | 'version' | 'schema'> = {
  '--lockfile': 'lockfile',
  '--probe': 'probe',
  '--schema': 'schema',
  '--help': 'help',
  '-h': 'help',
  '--version': 'version',
  '-v': 'version',
}

/** True when stdout carries one machine-readable document (json, sarif, cyclonedx) and nothing else. */
export function isMachineOutput(own: OwnOptions): boolean {
  return own.format !== 'text'
}

/** safe-npm's own long options, without dashes (what a typo is compared with). */
export const OWN_OPTION_NAMES: readonly string[] = [...Object.keys(VALUE_FLAGS), '--json', ...Object.keys(BOOLEAN_FLAGS)]
  .filter((flag) => flag.startsWith('--'))
  .map((flag) => flag.slice(2))

export function parseArgs(argv: string[], env: NodeJS.ProcessEnv = {}): ParsedArgs {
  const own: OwnOptions = { format: 'text', lockfile: false, probe: false, help: false, version: false, schema: false }
  const rest: string[] = []
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index]
    if (arg === '--') {
      rest.push(...argv.slice(index))
      break
    }
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined]
    if (flag in VALUE_FLAGS) {
      const value = inline ?? argv[++index]
      if (value === undefined || value === '' || (inline === undefined && value.startsWith('-'))) {
        const what = flag === '--format' ? `one of ${FORMATS.join(', ')}` : flag === '--spec-version' ? `one of ${CYCLONEDX_SPEC_VERSIONS.join(', ')}` : flag === '--preset' ? 'a preset name' : 'a file path'
        throw new UsageError(`${flag} needs ${what}`, 'EUSAGE')
      }
      if (flag === '--spec-version') {
        if (!CYCLONEDX_SPEC_VERSIONS.includes(value as CycloneDxSpecVersion)) {
          throw new UsageError(`--spec-version takes ${CYCLONEDX_SPEC_VERSIONS.join(', ')} (CycloneDX; got ${value})`, 'EUSAGE')
        }
        own.specVersion = value as CycloneDxSpecVersion
      } else if (flag === '--format') {
        if (!FORMATS.includes(value as OutputFormat)) throw new UsageError(`--format takes ${FORMATS.join(', ')} (got ${value})`, 'EUSAGE')
        own.format = value as OutputFormat
      } else {
        own[VALUE_FLAGS[flag] as 'policyFile' | 'orgPolicyFile' | 'preset'] = value
      }
      continue
    }
    if (flag === '--json' && inline === undefined) {
      own.format = 'json'
      continue
    }
    if (flag in BOOLEAN_FLAGS && inline === undefined) {
      own[BOOLEAN_FLAGS[flag]] = true
      continue
    }
    rest.push(arg)
  }
  // The command is the word npm itself would run: npm's parser knows which
  // flags take a value, so `--registry http://x install` runs install.
  const npmLine = readNpmCommandLine(rest, env)
  const { commandIndex } = npmLine
  const command = commandIndex === null ? null : rest[commandIndex]
  const npmArgs = commandIndex === null ? rest : [...rest.slice(0, commandIndex), ...rest.slice(commandIndex + 1)]
  return { command, own, npmArgs, npmArgv: rest, npmLine }
}
