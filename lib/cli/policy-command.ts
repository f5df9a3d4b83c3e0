// `safe-npm policy`: the effective policy and where each setting came from.
import { configuredRegistries, loadSetup } from '../engine/setup.js'
import { policyJsonSchema } from '../policy/json-schema.js'
import { isMachineOutput, type ParsedArgs } from './args.js'
import { configWarningLines } from './flag-suggestions.js'
import type { Io } from './io.js'

/** The parts of an origin key (`scripts.allow."esbuild@0.25.0"`): a part with a dot, a space or a quote is a JSON string. */
function keyPath(key: string): string[] {
  return (key.match(/"(?:[^"\\]|\\.)*"|[^.]+/g) ?? []).map((part) => (part.startsWith('"') ? JSON.parse(part) : part))
}

export async function showPolicy(parsed: ParsedArgs, io: Io): Promise<number> {
  const words = parsed.npmArgv.slice((parsed.npmLine.commandIndex ?? -1) + 1)
  if (words[0] === 'import') return (await import('./policy-import-command.js')).runPolicyImport(parsed, io, words.slice(1))
  if (parsed.own.schema) {
    io.stdout.write(`${JSON.stringify(policyJsonSchema(), null, 2)}\n`)
    return 0
  }
  const { config, loaded } = await loadSetup({ npmArgs: parsed.npmArgs, cwd: io.cwd, env: io.env, ...parsed.own })
  io.stderr.write(configWarningLines(config.warnings, parsed.npmLine.unknownFlags, String(config.get('loglevel') ?? 'warn')))
  const { ageMs: _ageMs, ...minimumReleaseAge } = loaded.policy.minimumReleaseAge
  const policy = {
    ...loaded.policy,
    minimumReleaseAge,
    registries: { ...loaded.policy.registries, allowed: loaded.policy.registries.allowed ?? configuredRegistries(config) },
  }
  if (isMachineOutput(parsed.own)) {
    io.stdout.write(`${JSON.stringify({ files: loaded.files, policy, origins: Object.fromEntries(loaded.origins) }, null, 2)}\n`)
    return 0
  }
  io.stdout.write(`Effective policy (${loaded.files.length > 0 ? loaded.files.join(' + ') : 'embedded default'}):\n`)
  const width = Math.max(...[...loaded.origins.keys()].map((key) => key.length))
  for (const [key, source] of loaded.origins) {
    const value = keyPath(key).reduce<any>((node, part) => node?.[part], policy)
    io.stdout.write(`  ${key.padEnd(width)}  ${JSON.stringify(value)}  (${source})\n`)
  }
  if (loaded.policy.registries.allowed === null) {
    io.stdout.write(`  ${'registries.allowed'.padEnd(width)}  ${JSON.stringify(policy.registries.allowed)}  (default: the registries npm is configured with)\n`)
  }
  for (const exception of loaded.policy.exceptions) {
    io.stdout.write(`  exception: ${exception.rule} for ${exception.package}${exception.expires ? ` until ${exception.expires}` : ''}: ${exception.reason}  (${exception.source})\n`)
  }
  return 0
}
