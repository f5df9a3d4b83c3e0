// safe-npm's own flags are taken out of argv first; everything else is npm's
// and goes to npm's own config loader untouched.
import { UsageError } from '../errors.js'

export type OutputFormat = 'text' | 'json' | 'sarif' | 'cyclonedx'

export interface OwnOptions {
  policyFile?: string
  format: OutputFormat
  orgPolicyFile?: string
  json: boolean
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
  /** The original arguments, for commands handed to npm unchanged. */
  original: string[]
}

const VALUE_FLAGS: Record<string, 'policyFile' | 'orgPolicyFile' | 'format'> = {
  '--policy': 'policyFile',
  '--org-policy': 'orgPolicyFile',
  '--format': 'format',
}
const FORMATS: OutputFormat[] = ['text', 'json', 'sarif', 'cyclonedx']
const BOOLEAN_FLAGS: Record<string, 'json' | 'lockfile' | 'probe' | 'help' | 'version'> = {
  '--json': 'json',
  '--lockfile': 'lockfile',
  '--probe': 'probe',
  '--help': 'help',
  '-h': 'help',
  '--version': 'version',
  '-v': 'version',
}

export function parseArgs(argv: string[]): ParsedArgs {
  const own: OwnOptions = { format: 'text', json: false, lockfile: false, probe: false, help: false, version: false }
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
        own.json = value !== 'text'
      } else {
        own[VALUE_FLAGS[flag] as 'policyFile' | 'orgPolicyFile'] = value
      }
      continue
    }
    if (flag in BOOLEAN_FLAGS && inline === undefined) {
      own[BOOLEAN_FLAGS[flag]] = true
      if (flag === '--json') own.format = 'json'
      continue
    }
    rest.push(arg)
  }
  const commandIndex = rest.findIndex((arg) => !arg.startsWith('-'))
  const command = commandIndex === -1 ? null : rest[commandIndex]
  const npmArgs = commandIndex === -1 ? rest : [...rest.slice(0, commandIndex), ...rest.slice(commandIndex + 1)]
  return { command, own, npmArgs, original: argv }
}
