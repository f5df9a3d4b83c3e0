// safe-npm's own flags are taken out of argv first; everything else is npm's
// and goes to npm's own config loader untouched.
import { UsageError } from '../errors.js'
import { OUTPUT_FORMATS, type OutputFormat } from '../report/formats.js'

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
}

export interface ParsedArgs {
  command: string | null
  own: OwnOptions
  /** Arguments after the command, for npm's config loader (flags and specs). */
  npmArgs: string[]
  /** The whole command line without safe-npm's own flags, command included: what npm itself would parse. */
  npmArgv: string[]
}

const VALUE_FLAGS: Record<string, 'policyFile' | 'orgPolicyFile' | 'format'> = {
  '--policy': 'policyFile',
  '--org-policy': 'orgPolicyFile',
  '--format': 'format',
}
const FORMATS: readonly OutputFormat[] = OUTPUT_FORMATS
const BOOLEAN_FLAGS: Record<string, 'lockfile' | 'probe' | 'help' | 'version'> = {
  '--lockfile': 'lockfile',
  '--probe': 'probe',
  '--help': 'help',
  '-h': 'help',
  '--version': 'version',
  '-v': 'version',
}

/** True when stdout carries one machine-readable document (json, sarif, cyclonedx) and nothing else. */
export function isMachineOutput(own: OwnOptions): boolean {
  return own.format !== 'text'
}

export function parseArgs(argv: string[]): ParsedArgs {
  const own: OwnOptions = { format: 'text', lockfile: false, probe: false, help: false, version: false }
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
        throw new UsageError(`${flag} needs ${flag === '--format' ? `one of ${FORMATS.join(', ')}` : 'a file path'}`, 'EUSAGE')
      }
      if (flag === '--format') {
        if (!FORMATS.includes(value as OutputFormat)) throw new UsageError(`--format takes ${FORMATS.join(', ')} (got ${value})`, 'EUSAGE')
        own.format = value as OutputFormat
      } else {
        own[VALUE_FLAGS[flag] as 'policyFile' | 'orgPolicyFile'] = value
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
  const commandIndex = rest.findIndex((arg) => !arg.startsWith('-'))
  const command = commandIndex === -1 ? null : rest[commandIndex]
  const npmArgs = commandIndex === -1 ? rest : [...rest.slice(0, commandIndex), ...rest.slice(commandIndex + 1)]
  return { command, own, npmArgs, npmArgv: rest }
}
