// The command line as npm itself reads it: npm's own flag definitions and
// parser (@npmcli/config's loadCLI), without reading any .npmrc. The CLI uses
// it to decide which npm command a command line runs, so that a flag value
// (`--prefix dir install`) can never be mistaken for the command.
import Config from '@npmcli/config'
import npmDefinitions from '@npmcli/config/lib/definitions/index.js'
import { UsageError } from '../errors.js'

export interface NpmCommandLine {
  /** The words that are not flags: the command as typed first, then its arguments. */
  positionals: string[]
  /** The flags given on the command line, by npm's config key (`-g` is `global`, `-ws` is `workspaces`). */
  flags: Record<string, unknown>
}

export function readNpmCommandLine(args: string[], env: NodeJS.ProcessEnv): NpmCommandLine {
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
  return { positionals: [...config.parsedArgv.remain], flags: { ...config.data.get('cli')!.data } }
}
