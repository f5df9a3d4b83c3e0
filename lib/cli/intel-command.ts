// `safe-npm intel status|update`: what the configured malware feeds hold and
// whether they answer; `update` refetches downloaded feeds regardless of age.
import { feedStatus, intelCacheDir } from '../engine/feeds.js'
import { EXIT, UsageError } from '../errors.js'
import { loadSetup } from '../engine/setup.js'
import { isMachineOutput, type ParsedArgs } from './args.js'
import { configWarningLines } from './flag-suggestions.js'
import type { Io } from './io.js'

export async function runIntel(parsed: ParsedArgs, io: Io): Promise<number> {
  const { config, loaded } = await loadSetup({ npmArgs: parsed.npmArgs, cwd: io.cwd, env: io.env, ...parsed.own })
  io.stderr.write(configWarningLines(config.warnings, parsed.npmLine.unknownFlags, String(config.get('loglevel') ?? 'warn')))
  const [action = 'status', ...rest] = config.positionals
  if (!['status', 'update'].includes(action) || rest.length > 0) {
    throw new UsageError(`safe-npm intel takes "status" or "update" (got ${config.positionals.join(' ')})`, 'EUSAGE')
  }
  const feeds = await feedStatus(loaded.policy, {
    npmOptions: config.flat,
    defaultRegistry: config.defaultRegistry,
    scopedRegistries: config.scopedRegistries,
    cacheDir: intelCacheDir(config.flat),
    projectDir: config.prefix,
    isRefresh: action === 'update',
  })
  if (isMachineOutput(parsed.own)) io.stdout.write(`${JSON.stringify({ feeds }, null, 2)}\n`)
  else if (feeds.length === 0) io.stdout.write('No malware feeds are configured (see intel in the policy).\n')
  else for (const feed of feeds) io.stdout.write(`${feed.state.padEnd(11)} ${feed.feed}: ${feed.detail}\n`)
  // A feed that does not answer is what `intel.unreachable` judges at install time; here it fails the command.
  return feeds.some((feed) => feed.state === 'unreachable') ? EXIT.blocked : EXIT.clean
}
