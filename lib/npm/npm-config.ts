// npm's configuration, read the way npm reads it: npm's own loader
// (@npmcli/config) over builtin, global, user and project .npmrc, the
// environment and the command line, with npm's own flag definitions.
import { existsSync, realpathSync } from 'node:fs'
import path from 'node:path'
import { UsageError } from '../errors.js'
import { registerSecrets } from '../model/redact.js'
import { requireCommonJs } from '../model/commonjs.js'

const Config: typeof import('@npmcli/config') = requireCommonJs('@npmcli/config')
const npmDefinitions: typeof import('@npmcli/config/lib/definitions/index.js') = requireCommonJs('@npmcli/config/lib/definitions/index.js')

/** Config keys whose values are credentials (`//host/:_authToken`, `_auth`, `_password`, `otp`, …). */
const SECRET_KEY = /(?:^|:)(?:_authToken|_auth|_password|token|otp)$|^(?:_authToken|_auth|_password|otp)$/

export interface NpmConfig {
  /** Options for Arborist and pacote, as npm passes them (registry, auth, scoped registries…). */
  flat: Record<string, any>
  /** Positional arguments after the command (package specs). */
  positionals: string[]
  get(key: string): any
  /** True when nothing (flag, env, .npmrc) set the key. */
  isDefault(key: string): boolean
  /** The project directory npm would use (nearest package.json/node_modules). */
  prefix: string
  /**
   * The directory safe-npm was run in (the Io's, not necessarily the process's):
   * relative paths on the command line are taken from it, as npm takes them
   * from its working directory. Unset in hand-made configs: the process's.
   */
  cwd?: string
  defaultRegistry: string
  /** Scope → registry, from `@scope:registry` settings. */
  scopedRegistries: Record<string, string>
  /**
   * What npm's loader warned about, as npm words it (npm prints each as `npm
   * warn <text>`): unknown options from the command line, the environment or
   * an .npmrc, abbreviations it expanded, invalid values.
   */
  warnings: string[]
  /** What the project's own .npmrc sets (its own keys only, as npm parsed them), and where it is; empty without one. */
  projectSettings: { file: string | null; values: Record<string, unknown> }
}

/** npm's installation folder, for its builtin npmrc; null when it cannot be found. */
function findNpmPath(env: NodeJS.ProcessEnv): string | null {
  const candidates: string[] = []
  if (env.npm_execpath) candidates.push(path.resolve(path.dirname(env.npm_execpath), '..'))
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue
    const bin = path.join(dir, 'npm')
    if (existsSync(bin)) {
      try {
        candidates.push(path.resolve(path.dirname(realpathSync(bin)), '..'))
      } catch {
        // a dangling link on PATH: try the next one
      }
    }
  }
  return candidates.find((dir) => existsSync(path.join(dir, 'package.json'))) ?? null
}

export function normaliseRegistry(url: string): string {
  return url.endsWith('/') ? url : `${url}/`
}

export async function loadNpmConfig(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<NpmConfig> {
  const npmPath = findNpmPath(env) ?? path.resolve(cwd, '.safe-npm-no-npm')
  const config = new Config({
    npmPath,
    definitions: npmDefinitions.definitions,
    shorthands: npmDefinitions.shorthands,
    flatten: npmDefinitions.flatten,
    argv: [process.execPath, 'npm', ...args],
    cwd,
    env,
    execPath: process.execPath,
    platform: process.platform,
    warn: false,
  })
  // npm's loader warns through proc-log (some at once, the unknown options queued
  // until logWarnings, as npm does once the command is known): kept as data here.
  const warnings: string[] = []
  const onLog = (level: unknown, ...args: unknown[]) => {
    const text = args.map(String).join(' ')
    // npm 11.19 itself says nothing about unknown keys in .npmrc files (node-gyp's
    // nodedir, say); this loader is newer and would: only what npm prints is kept.
    if (level === 'warn' && !/^Unknown (user|project|global|builtin) config /.test(text)) warnings.push(text)
  }
  process.on('log', onLog)
  try {
    await config.load()
    config.logWarnings()
  } catch (error) {
    throw new UsageError(`npm configuration cannot be read: ${(error as Error).message.split('\n')[0]}`, 'ENPMCONFIG')
  } finally {
    process.off('log', onLog)
  }
  for (const [where, layer] of config.data) {
    if (layer.loadError && (layer.loadError as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new UsageError(`npm ${where} config ${layer.source} cannot be read: ${layer.loadError.message}`, 'ENPMCONFIG')
    }
  }
  // Every credential the configuration holds is masked in all output from here on.
  for (const [, layer] of config.data) registerSecrets(Object.entries(layer.data ?? {}).filter(([key]) => SECRET_KEY.test(key)).map(([, value]) => value))
  const flat = config.flat
  // npm reads a cafile into an array of certificates; Node's TLS takes them as one
  // PEM string just the same. As a string, the agent key each request is pooled
  // under (Node's https getName, @npmcli/agent's cache key) is not built by
  // joining the array again: with a system bundle as cafile (144 certificates,
  // 215 KiB) that cost about a millisecond of CPU a request.
  if (Array.isArray(flat.ca) && flat.ca.length > 1 && flat.ca.every((certificate: unknown) => typeof certificate === 'string')) flat.ca = flat.ca.join('\n')
  const scopedRegistries: Record<string, string> = {}
  for (const [key, value] of Object.entries(flat)) {
    const match = /^(@[^:]+):registry$/.exec(key)
    if (match && typeof value === 'string') scopedRegistries[match[1]] = normaliseRegistry(value)
  }
  return {
    flat,
    positionals: config.parsedArgv.remain,
    get: (key: string) => config.get(key),
    isDefault: (key: string) => config.find(key) === 'default',
    prefix: config.localPrefix,
    cwd,
    defaultRegistry: normaliseRegistry(flat.registry),
    scopedRegistries,
    warnings,
    projectSettings: {
      file: config.data.get('project')?.source && existsSync(config.data.get('project')!.source!) ? config.data.get('project')!.source! : null,
      values: Object.fromEntries(Object.entries(config.data.get('project')?.data ?? {})),
    },
  }
}

/** Where safe-npm keeps its caches (facts, feeds, tarball summaries): `_safe-npm` beside npm's own cache. */
export function safeNpmCacheDir(npmOptions: Record<string, any>): string {
  const npmCache = typeof npmOptions.cache === 'string' ? npmOptions.cache : path.join(process.env.HOME ?? '.', '.npm', '_cacache')
  return path.join(path.dirname(npmCache), '_safe-npm')
}
