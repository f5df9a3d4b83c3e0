// `safe-npm policy import`: the supply-chain settings a project already has
// for npm, pnpm, Yarn or LavaMoat, turned into policy, with a list of what has
// no equivalent. Units as each tool documents them: npm's min-release-age is
// days, pnpm's minimumReleaseAge minutes, Yarn's npmMinimalAgeGate a duration
// whose bare number is minutes. Where two tools disagree the stricter setting
// wins (the longer age, a refusal over an allowance, the narrower source).
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { parse as parseYaml } from 'yaml'
import { MAX_DURATION_MS } from '../model/duration.js'
import type { PolicyEditor } from './policy-file.js'
import { PolicyError } from './errors.js'

export const IMPORT_SOURCES = ['npm', 'pnpm', 'yarn', 'lavamoat'] as const
export type ImportSource = (typeof IMPORT_SOURCES)[number]

export interface ImportInputs {
  /** The project .npmrc as npm parsed it (npm's keys typed, others as strings), and its file. */
  npmrc: { file: string | null; values: Record<string, unknown> }
  manifest: Record<string, any> | null
  pnpmWorkspace: Record<string, any> | null
  yarnrc: Record<string, any> | null
}

export interface ImportedSetting {
  /** The policy setting written (dotted path). */
  setting: string
  /** Where it came from: `.npmrc min-release-age=7`. */
  from: string
}

export interface UnmappedSetting {
  from: string
  why: string
}

export interface ImportResult {
  /** The imported settings as a policy document (only what was found). */
  document: Record<string, any>
  mapped: ImportedSetting[]
  unmapped: UnmappedSetting[]
  /** The files that held settings of the sources asked for. */
  read: string[]
}

const MINUTE = 60_000
const DAY = 86_400_000
const SEVERITY_RANK: Record<string, number> = { off: 0, warn: 1, block: 2 }
const REACH_RANK: Record<string, number> = { none: 0, direct: 1, all: 2 }

/** A span as the shortest policy duration that is at least as long (minutes rounded up). */
export function durationOf(ms: number): string {
  const minutes = Math.ceil(ms / MINUTE)
  if (minutes % (7 * 1440) === 0) return `${minutes / (7 * 1440)}w`
  if (minutes % 1440 === 0) return `${minutes / 1440}d`
  if (minutes % 60 === 0) return `${minutes / 60}h`
  return `${minutes}m`
}

const show = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value))
const asList = (value: unknown): string[] | null =>
  Array.isArray(value) && value.every((entry) => typeof entry === 'string') ? value : typeof value === 'string' ? value.split(',').map((entry) => entry.trim()).filter(Boolean) : null

/** Collects settings from every source; the stricter value wins where two meet. */
class PolicyBuilder {
  readonly document: Record<string, any> = {}
  readonly mapped: ImportedSetting[] = []
  readonly unmapped: UnmappedSetting[] = []

  #section(name: string): Record<string, any> {
    return (this.document[name] ??= {})
  }

  #note(setting: string, from: string): void {
    this.mapped.push({ setting, from })
  }

  skip(from: string, why: string): void {
    this.unmapped.push({ from, why })
  }

  age(ms: number, from: string): void {
    if (!Number.isFinite(ms) || ms < 0) return this.skip(from, 'not a number of the unit the tool documents')
    if (ms === 0) return this.skip(from, "0 turns the tool's age gate off; safe-npm keeps its own (3d unless the policy says otherwise); set rules.minimum-release-age to off to match")
    if (ms > MAX_DURATION_MS) return this.skip(from, 'longer than the ten years a policy age may be')
    const section = this.#section('minimumReleaseAge')
    const current = section.age ? section.ageMs : -1
    if (ms > current) {
      section.age = durationOf(ms)
      section.ageMs = ms
    }
    this.#note(`minimumReleaseAge.age ${durationOf(ms)}${ms % MINUTE === 0 ? '' : ' (rounded up to the minute)'}`, from)
  }

  exclude(patterns: string[], from: string): void {
    const section = this.#section('minimumReleaseAge')
    section.exclude = [...new Set([...(section.exclude ?? []), ...patterns])]
    this.#note(`minimumReleaseAge.exclude ${patterns.join(', ')}`, from)
  }

  scripts(pattern: string, allowed: boolean, from: string): void {
    const allow = (this.#section('scripts').allow ??= {})
    // A refusal anywhere wins over an allowance elsewhere.
    allow[pattern] = allow[pattern] === false ? false : allowed
    this.#note(`scripts.allow.${pattern} ${allowed}`, from)
  }

  rule(id: string, severity: 'block' | 'warn', from: string): void {
    const rules = this.#section('rules')
    if ((SEVERITY_RANK[rules[id]] ?? -1) < SEVERITY_RANK[severity]) rules[id] = severity
    this.#note(`rules.${id} ${severity}`, from)
  }

  source(kind: 'git' | 'remote' | 'file' | 'directory', reach: 'none' | 'direct' | 'all', from: string): void {
    const sources = this.#section('sources')
    if (sources[kind] === undefined || REACH_RANK[reach] < REACH_RANK[sources[kind]]) sources[kind] = reach
    this.#note(`sources.${kind} ${reach}`, from)
  }

  scope(scope: string, registry: string, from: string): void {
    if (!/^@[A-Za-z0-9][\w.-]*$/.test(scope) || !/^https?:\/\/[^/\s]+/.test(registry)) return this.skip(from, 'not a scope and a registry URL')
    const scopes = (this.#section('registries').scopes ??= {})
    scopes[scope] = registry.endsWith('/') ? registry : `${registry}/`
    this.#note(`registries.scopes.${scope} ${scopes[scope]}`, from)
  }

  exception(pattern: string, rule: string, reason: string, from: string): void {
    const list: Array<Record<string, string>> = (this.document.exceptions ??= [])
    if (!list.some((entry) => entry.package === pattern && entry.rule === rule)) list.push({ package: pattern, rule, reason })
    this.#note(`exceptions ${pattern} (${rule})`, from)
  }

  /** The policy document: the age kept as the policy writes it, sections in a fixed order. */
  result(): Record<string, any> {
    const order = ['rules', 'registries', 'minimumReleaseAge', 'scripts', 'sources', 'exceptions']
    const out: Record<string, any> = {}
    for (const key of order) {
      if (this.document[key] === undefined) continue
      if (key === 'minimumReleaseAge') {
        const { ageMs: _ms, ...section } = this.document[key]
        out[key] = section
      } else out[key] = this.document[key]
    }
    return out
  }
}

const NPM_REACH: Record<string, 'none' | 'direct' | 'all'> = { none: 'none', root: 'direct', all: 'all' }

function importNpm(inputs: ImportInputs, into: PolicyBuilder, read: Set<string>): void {
  const values = inputs.npmrc.values
  const file = inputs.npmrc.file ? path.basename(inputs.npmrc.file) : '.npmrc'
  const from = (key: string) => `${file} ${key}=${show(values[key])}`
  let found = false
  if (values['min-release-age'] !== undefined && values['min-release-age'] !== null) {
    found = true
    into.age(Number(values['min-release-age']) * DAY, from('min-release-age'))
  }
  const exclude = asList(values['min-release-age-exclude'])
  if (exclude && exclude.length > 0) {
    found = true
    into.exclude(exclude, from('min-release-age-exclude'))
  }
  if (values.before !== undefined) {
    found = true
    into.skip(from('before'), 'a fixed date, not an age: safe-npm has no equivalent (it also applies npm\'s before at resolution)')
  }
  for (const kind of ['git', 'remote', 'file', 'directory'] as const) {
    const value = values[`allow-${kind}`]
    if (value === undefined) continue
    found = true
    if (typeof value === 'string' && NPM_REACH[value]) into.source(kind, NPM_REACH[value], from(`allow-${kind}`))
    else into.skip(from(`allow-${kind}`), 'expected all, none or root')
  }
  const strict = values['strict-allow-scripts']
  if (strict !== undefined) {
    found = true
    if (strict === true || strict === 'true') into.rule('install-scripts', 'block', from('strict-allow-scripts'))
    else into.skip(from('strict-allow-scripts'), "false is npm's default: an unreviewed script is skipped with a warning, as safe-npm does by default")
  }
  const allowScripts = asList(values['allow-scripts'])
  if (allowScripts && allowScripts.length > 0) {
    found = true
    for (const pattern of allowScripts) into.scripts(pattern, true, from('allow-scripts'))
  }
  for (const key of ['dangerously-allow-all-scripts', 'ignore-scripts']) {
    if (values[key] === undefined) continue
    found = true
    into.skip(
      from(key),
      key === 'ignore-scripts'
        ? 'stays an npm setting: safe-npm honours it as npm does (no script runs at all)'
        : 'safe-npm has no switch that allows every script: allow each package in scripts.allow',
    )
  }
  for (const [key, value] of Object.entries(values)) {
    const scope = /^(@[^:]+):registry$/.exec(key)
    if (scope && typeof value === 'string') {
      found = true
      into.scope(scope[1], value, from(key))
    }
  }
  if (found && inputs.npmrc.file) read.add(inputs.npmrc.file)
  const manifestScripts = inputs.manifest?.allowScripts
  if (manifestScripts !== undefined) {
    read.add('package.json')
    if (manifestScripts && typeof manifestScripts === 'object' && !Array.isArray(manifestScripts)) {
      for (const [pattern, allowed] of Object.entries(manifestScripts)) {
        if (typeof allowed === 'boolean') into.scripts(pattern, allowed, `package.json allowScripts["${pattern}"]`)
        else into.skip(`package.json allowScripts["${pattern}"]`, 'expected true or false')
      }
    } else into.skip('package.json allowScripts', 'expected an object of package: true/false')
  }
}

/** pnpm's settings: .npmrc (kebab-case, pnpm 10), package.json "pnpm", then pnpm-workspace.yaml (which wins). */
function pnpmSettings(inputs: ImportInputs): Array<{ key: string; value: unknown; from: string }> {
  const found = new Map<string, { key: string; value: unknown; from: string }>()
  const camel = (key: string) => key.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase())
  for (const [key, value] of Object.entries(inputs.npmrc.values)) {
    const name = camel(key)
    if (PNPM_KEYS.has(name) && key.includes('-')) found.set(name, { key: name, value, from: `${inputs.npmrc.file ? path.basename(inputs.npmrc.file) : '.npmrc'} ${key}` })
  }
  const field = inputs.manifest?.pnpm
  if (field && typeof field === 'object') for (const [key, value] of Object.entries(field)) if (PNPM_KEYS.has(key)) found.set(key, { key, value, from: `package.json pnpm.${key}` })
  for (const [key, value] of Object.entries(inputs.pnpmWorkspace ?? {})) if (PNPM_KEYS.has(key)) found.set(key, { key, value, from: `pnpm-workspace.yaml ${key}` })
  return [...found.values()]
}

const PNPM_KEYS = new Set([
  'minimumReleaseAge',
  'minimumReleaseAgeExclude',
  'minimumReleaseAgeStrict',
  'minimumReleaseAgeIgnoreMissingTime',
  'allowBuilds',
  'onlyBuiltDependencies',
  'onlyBuiltDependenciesFile',
  'neverBuiltDependencies',
  'ignoredBuiltDependencies',
  'dangerouslyAllowAllBuilds',
  'strictDepBuilds',
  'trustPolicy',
  'trustPolicyExclude',
  'trustPolicyIgnoreAfter',
  'blockExoticSubdeps',
])

function importPnpm(inputs: ImportInputs, into: PolicyBuilder, read: Set<string>): void {
  const settings = pnpmSettings(inputs)
  for (const { key, value, from: where } of settings) {
    read.add(where.split(' ')[0])
    const from = `${where}: ${show(value)}`
    const list = asList(value)
    switch (key) {
      case 'minimumReleaseAge':
        into.age(Number(value) * MINUTE, from)
        break
      case 'minimumReleaseAgeExclude':
        if (list) into.exclude(list, from)
        else into.skip(from, 'expected a list of package patterns')
        break
      case 'allowBuilds':
        if (value && typeof value === 'object' && !Array.isArray(value)) {
          for (const [pattern, allowed] of Object.entries(value)) {
            if (typeof allowed === 'boolean') into.scripts(pattern, allowed, `${where}["${pattern}"]: ${allowed}`)
            else into.skip(`${where}["${pattern}"]: ${show(allowed)}`, 'only true and false have an equivalent in scripts.allow')
          }
        } else into.skip(from, 'expected a map of package: true/false')
        break
      case 'onlyBuiltDependencies':
      case 'neverBuiltDependencies':
      case 'ignoredBuiltDependencies':
        if (!list) {
          into.skip(from, 'expected a list of package names')
          break
        }
        for (const pattern of list) into.scripts(pattern, key === 'onlyBuiltDependencies', `${where}: ${pattern}`)
        if (key === 'ignoredBuiltDependencies') into.skip(from, 'pnpm skips these quietly; safe-npm refuses them (false) and still reports the refusal as a warning')
        break
      case 'strictDepBuilds':
        if (value === true || value === 'true') into.rule('install-scripts', 'block', from)
        else into.skip(from, 'false: an unreviewed build is skipped with a warning, as safe-npm does by default')
        break
      case 'trustPolicy':
        if (value === 'no-downgrade') into.rule('trust-downgrade', 'block', from)
        else into.skip(from, 'only no-downgrade has an equivalent (rules.trust-downgrade: block)')
        break
      case 'trustPolicyExclude':
        if (list) for (const pattern of list) into.exception(pattern, 'trust-downgrade', 'imported from pnpm trustPolicyExclude', `${where}: ${pattern}`)
        else into.skip(from, 'expected a list of package patterns')
        break
      case 'blockExoticSubdeps':
        if (value === true || value === 'true') {
          // pnpm's exotic sources are git repositories and tarball URLs; direct dependencies may still use them.
          into.source('git', 'direct', from)
          into.source('remote', 'direct', from)
        } else into.skip(from, 'false allows exotic sources anywhere; safe-npm keeps its default (direct only)')
        break
      case 'dangerouslyAllowAllBuilds':
        into.skip(from, value === false || value === 'false' ? "pnpm's default; nothing to import" : 'safe-npm has no switch that allows every build: allow each package in scripts.allow')
        break
      default:
        into.skip(from, 'no equivalent in safe-npm')
    }
  }
}

/** Yarn durations: a bare number is minutes; a unit may follow (ms, s, m, h, d, w). */
function yarnDurationMs(value: unknown): number {
  const units: Record<string, number> = { ms: 1, s: 1000, m: MINUTE, h: 60 * MINUTE, d: DAY, w: 7 * DAY }
  if (typeof value === 'number') return value * MINUTE
  const match = typeof value === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$/.exec(value) : null
  return match ? Number(match[1]) * units[match[2] ?? 'm'] : Number.NaN
}

/** `lodash@npm:^4` (a Yarn descriptor) as a policy pattern: `lodash@^4`. */
const descriptorPattern = (descriptor: string) => descriptor.replace(/(.)@npm:/, '$1@')

function importYarn(inputs: ImportInputs, into: PolicyBuilder, read: Set<string>): void {
  const yarnrc = inputs.yarnrc
  if (yarnrc) {
    const from = (key: string, value: unknown = yarnrc[key]) => `.yarnrc.yml ${key}: ${show(value)}`
    if (Object.keys(yarnrc).some((key) => ['npmMinimalAgeGate', 'npmPreapprovedPackages', 'enableScripts', 'npmScopes'].includes(key))) read.add('.yarnrc.yml')
    if (yarnrc.npmMinimalAgeGate !== undefined) into.age(yarnDurationMs(yarnrc.npmMinimalAgeGate), from('npmMinimalAgeGate'))
    const preapproved = asList(yarnrc.npmPreapprovedPackages)
    if (preapproved && preapproved.length > 0) into.exclude(preapproved.map(descriptorPattern), from('npmPreapprovedPackages'))
    if (yarnrc.enableScripts !== undefined) {
      if (yarnrc.enableScripts === false || yarnrc.enableScripts === 'false') into.skip(from('enableScripts'), 'already safe-npm\'s default: no dependency script runs unless scripts.allow names it')
      else into.skip(from('enableScripts'), 'safe-npm never runs every script: allow each package in scripts.allow')
    }
    if (yarnrc.npmScopes && typeof yarnrc.npmScopes === 'object') {
      for (const [name, scope] of Object.entries<any>(yarnrc.npmScopes)) {
        if (!scope || typeof scope !== 'object') continue
        if (typeof scope.npmRegistryServer === 'string') into.scope(`@${name}`, scope.npmRegistryServer, from(`npmScopes.${name}.npmRegistryServer`, scope.npmRegistryServer))
        if (scope.npmMinimalAgeGate !== undefined) {
          const ms = yarnDurationMs(scope.npmMinimalAgeGate)
          if (ms === 0) into.exclude([`@${name}/*`], from(`npmScopes.${name}.npmMinimalAgeGate`, scope.npmMinimalAgeGate))
          else into.skip(from(`npmScopes.${name}.npmMinimalAgeGate`, scope.npmMinimalAgeGate), 'safe-npm has one age for every package (a scope can only be excluded)')
        }
      }
    }
  }
  const meta = inputs.manifest?.dependenciesMeta
  if (meta && typeof meta === 'object') {
    for (const [descriptor, entry] of Object.entries<any>(meta)) {
      if (entry?.built === false) {
        read.add('package.json')
        into.scripts(descriptorPattern(descriptor), false, `package.json dependenciesMeta["${descriptor}"].built: false`)
      }
    }
  }
}

function importLavamoat(inputs: ImportInputs, into: PolicyBuilder, read: Set<string>): void {
  const lavamoat = inputs.manifest?.lavamoat
  if (!lavamoat || typeof lavamoat !== 'object') return
  read.add('package.json')
  const allow = lavamoat.allowScripts
  if (allow && typeof allow === 'object') {
    for (const [canonical, allowed] of Object.entries(allow)) {
      const from = `package.json lavamoat.allowScripts["${canonical}"]: ${show(allowed)}`
      if (canonical === '$root$') {
        into.skip(from, "the project's own scripts are not a dependency's: safe-npm leaves them to npm")
        continue
      }
      if (typeof allowed !== 'boolean') {
        into.skip(from, 'expected true or false')
        continue
      }
      // A LavaMoat name is the dependency path (`a>b>c`); safe-npm allows by package name.
      const name = canonical.split('>').pop()!
      into.scripts(name, allowed, from)
      if (name !== canonical) into.skip(from, `${allowed ? 'allowed' : 'refused'} by name (${name}) wherever it appears, not only under ${canonical.split('>').slice(0, -1).join('>')}`)
    }
  }
  for (const key of Object.keys(lavamoat)) if (key !== 'allowScripts') into.skip(`package.json lavamoat.${key}`, 'no equivalent in safe-npm')
}

const IMPORTERS: Record<ImportSource, (inputs: ImportInputs, into: PolicyBuilder, read: Set<string>) => void> = {
  npm: importNpm,
  pnpm: importPnpm,
  yarn: importYarn,
  lavamoat: importLavamoat,
}

export function importSettings(inputs: ImportInputs, sources: readonly ImportSource[] = IMPORT_SOURCES): ImportResult {
  const builder = new PolicyBuilder()
  const read = new Set<string>()
  for (const source of sources) IMPORTERS[source](inputs, builder, read)
  return { document: builder.result(), mapped: builder.mapped, unmapped: builder.unmapped, read: [...read].map((file) => (path.isAbsolute(file) ? path.basename(file) : file)) }
}

async function readYaml(file: string, label: string): Promise<Record<string, any> | null> {
  const text = await readFile(file, 'utf8').catch(() => null)
  if (text === null) return null
  try {
    const value = parseYaml(text)
    return value && typeof value === 'object' && !Array.isArray(value) ? value : null
  } catch (error) {
    throw new PolicyError(`${label}: invalid YAML: ${(error as Error).message.split('\n')[0]}`, 'EPOLICYPARSE')
  }
}

/** The files of a project the importers read (the .npmrc comes from npm's own loader). */
export async function readImportInputs(dir: string, npmrc: ImportInputs['npmrc']): Promise<ImportInputs> {
  const manifestText = await readFile(path.join(dir, 'package.json'), 'utf8').catch(() => null)
  let manifest: Record<string, any> | null = null
  if (manifestText !== null) {
    try {
      manifest = JSON.parse(manifestText)
    } catch {
      throw new PolicyError('package.json: invalid JSON', 'EPACKAGEJSON')
    }
  }
  return {
    npmrc,
    manifest,
    pnpmWorkspace: await readYaml(path.join(dir, 'pnpm-workspace.yaml'), 'pnpm-workspace.yaml'),
    yarnrc: await readYaml(path.join(dir, '.yarnrc.yml'), '.yarnrc.yml'),
  }
}


export interface MergeReport {
  /** Settings written (dotted paths; list entries as `path += entry`). */
  added: string[]
  /** Settings the policy file already sets differently: its value is kept. */
  kept: Array<{ setting: string; file: unknown; imported: unknown }>
}

/**
 * Merges imported settings into a policy being edited: what the file does not
 * set is added, list entries it lacks are appended, exceptions it lacks (by
 * package and rule) are appended; a value it sets differently is kept as the
 * user wrote it and reported.
 */
export function mergeImported(editor: PolicyEditor, document: Record<string, any>): MergeReport {
  const report: MergeReport = { added: [], kept: [] }
  const walk = (value: unknown, at: string[]) => {
    const setting = at.join('.')
    const current = editor.get(at)
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      if (current === undefined) {
        editor.set(at, value)
        report.added.push(setting)
      } else if (current !== null && typeof current === 'object' && !Array.isArray(current)) {
        for (const [key, child] of Object.entries(value)) walk(child, [...at, key])
      } else report.kept.push({ setting, file: current, imported: value })
      return
    }
    if (Array.isArray(value)) {
      if (current === undefined) {
        editor.set(at, value)
        report.added.push(setting)
        return
      }
      if (!Array.isArray(current)) {
        report.kept.push({ setting, file: current, imported: value })
        return
      }
      const has = (entry: unknown) =>
        current.some((existing) =>
          entry && typeof entry === 'object'
            ? existing && typeof existing === 'object' && (existing as any).package === (entry as any).package && (existing as any).rule === (entry as any).rule
            : existing === entry,
        )
      for (const entry of value) {
        if (has(entry)) continue
        editor.append(at, entry)
        report.added.push(`${setting} += ${entry && typeof entry === 'object' ? (entry as any).package : entry}`)
      }
      return
    }
    if (current === undefined) {
      editor.set(at, value)
      report.added.push(setting)
    } else if (current !== value) report.kept.push({ setting, file: current, imported: value })
  }
  for (const [key, value] of Object.entries(document)) walk(value, [key])
  return report
}
