// `safe-npm init`: a policy file, the preinstall hook and the npm-native
// settings, planned as a list of changes first (what --dry-run shows and
// doctor compares with) and then written. A setting the user already has is
// kept when it is at least as strict, and changed with a note otherwise.
import { readFile } from 'node:fs/promises'
import { isDeepStrictEqual } from 'node:util'
import path from 'node:path'
import { UsageError } from '../errors.js'
import { loadNpmConfig } from '../npm/npm-config.js'
import { NpmrcFile } from '../npm/npmrc-file.js'
import { loadProjectManifest, updateProjectManifest } from '../npm/project-manifest.js'
import { loadPolicy, type LoadedPolicy } from '../policy/load.js'
import { POLICY_PRESETS, PRESET_NAMES, type PresetName } from '../policy/presets.js'
import { isAsStrict, npmNativeSettings, type NpmNativeSettings } from './npm-native-settings.js'
import { requireCommonJs } from '../model/commonjs.js'

const writeFileAtomic: typeof import('write-file-atomic') = requireCommonJs('write-file-atomic')

export const HOOK_SCRIPT = 'safe-npm hook'
/** The file init writes a policy to when the project has none. */
export const INIT_POLICY_FILE = '.safe-npmrc.json'

export interface InitChange {
  /** Relative to the project: package.json, .npmrc, .safe-npmrc.json. */
  file: string
  setting: string
  from: string | null
  to: string
  /** Why, when the user's own value is replaced or kept. */
  note?: string
}

export interface InitPlan {
  projectDir: string
  /** What init will write (empty: everything is in place already). */
  changes: InitChange[]
  /** The user's settings left as they are, with why (stricter than the policy, or chained). */
  kept: InitChange[]
  /** Policy entries npm cannot express (plain npm treats them as unreviewed). */
  unexpressed: string[]
  /** The policy the settings come from: files, or the one init writes. */
  policySource: string
  settings: NpmNativeSettings
  /** Writes for apply(): the policy file's content, package.json's new fields, the .npmrc. */
  writes: { policy: { file: string; text: string } | null; manifest: Record<string, unknown> | null; npmrc: NpmrcFile | null }
}

export interface InitRequest {
  /** npm's part of the arguments, for npm's config loader. */
  npmArgs: string[]
  cwd: string
  env: NodeJS.ProcessEnv
  preset?: string
  policyFile?: string
  orgPolicyFile?: string
}

const quote = (value: unknown) => (value === undefined || value === null ? null : typeof value === 'string' ? value : JSON.stringify(value))

function presetOf(name: string | undefined): PresetName {
  if (name === undefined) return 'default'
  if (!(PRESET_NAMES as string[]).includes(name)) throw new UsageError(`--preset takes ${PRESET_NAMES.join(' or ')} (got ${name})`, 'EUSAGE')
  return name as PresetName
}

/** The project's policy as it is, or the preset init would write (and its text). */
async function policyFor(request: InitRequest, projectDir: string): Promise<{ loaded: LoadedPolicy; write: { file: string; text: string } | null }> {
  const preset = presetOf(request.preset)
  const base = { cwd: projectDir, policyFile: request.policyFile, orgPolicyFile: request.orgPolicyFile ?? (request.env.SAFE_NPM_ORG_POLICY || undefined) }
  const existing = await loadPolicy(base)
  // The project's own file is the last one named relative to it (an organisation floor is an absolute path).
  const ownFile = existing.files.filter((file) => !path.isAbsolute(file)).at(-1)
  if (ownFile) {
    // Asked for a preset the file does not hold: init never replaces a policy.
    if (request.preset !== undefined && !(ownFile === INIT_POLICY_FILE && isDeepStrictEqual(await readJson(path.join(projectDir, ownFile)), POLICY_PRESETS[preset]))) {
      throw new UsageError(`${ownFile} is the project's policy already; init --preset ${preset} would replace it: edit it, or remove it and run init again`, 'EPOLICYEXISTS')
    }
    return { loaded: existing, write: null }
  }
  const loaded = await loadPolicy({ ...base, unwritten: { file: INIT_POLICY_FILE, document: POLICY_PRESETS[preset] } })
  return { loaded, write: { file: INIT_POLICY_FILE, text: `${JSON.stringify(POLICY_PRESETS[preset], null, 2)}\n` } }
}

async function readJson(file: string): Promise<unknown> {
  return JSON.parse(await readFile(file, 'utf8'))
}

/** The preinstall script init wants: the hook alone, or the hook before the project's own. */
export function hookScriptFor(current: string | undefined): { script: string; note?: string } {
  if (!current || !current.trim()) return { script: HOOK_SCRIPT }
  if (/(^|[\s;&|])safe-npm hook($|[\s;&|])/.test(current)) return { script: current }
  if (current.trim() === 'safe-npm check --lockfile') {
    return { script: HOOK_SCRIPT, note: 'replaces "safe-npm check --lockfile" (it cannot remove what it blocks)' }
  }
  return { script: `${HOOK_SCRIPT} && ${current}`, note: 'your preinstall is kept and runs after the hook' }
}

export async function planInit(request: InitRequest): Promise<InitPlan> {
  const config = await loadNpmConfig(request.npmArgs, request.cwd, request.env)
  const projectDir = config.prefix
  const manifest = await loadProjectManifest(projectDir)
  if (!manifest) throw new UsageError(`no package.json in ${projectDir}: run npm init first`, 'ENOPACKAGEJSON')
  const { loaded, write } = await policyFor(request, projectDir)
  const settings = npmNativeSettings(loaded.policy)
  const changes: InitChange[] = []
  const kept: InitChange[] = []
  if (write) changes.push({ file: write.file, setting: 'policy', from: null, to: `the ${presetOf(request.preset)} policy` })

  const manifestUpdate: Record<string, unknown> = {}
  const preinstall = manifest.scripts?.preinstall as string | undefined
  const hook = hookScriptFor(preinstall)
  if (hook.script !== preinstall) {
    changes.push({ file: 'package.json', setting: 'scripts.preinstall', from: preinstall ?? null, to: hook.script, ...(hook.note ? { note: hook.note } : {}) })
    manifestUpdate.scripts = { ...manifest.scripts, preinstall: hook.script }
  }
  const allowScripts: Record<string, unknown> = { ...(manifest.allowScripts && typeof manifest.allowScripts === 'object' ? manifest.allowScripts : {}) }
  let allowScriptsChanged = false
  for (const [key, value] of Object.entries(settings.allowScripts)) {
    if (allowScripts[key] === value) continue
    const from = key in allowScripts ? quote(allowScripts[key]) : null
    changes.push({ file: 'package.json', setting: `allowScripts["${key}"]`, from, to: String(value), ...(from !== null ? { note: 'the policy says otherwise' } : {}) })
    allowScripts[key] = value
    allowScriptsChanged = true
  }
  if (allowScriptsChanged) manifestUpdate.allowScripts = allowScripts

  const npmrc = await NpmrcFile.read(path.join(projectDir, '.npmrc'))
  let npmrcChanged = false
  for (const setting of settings.npmrc) {
    const current = npmrc.get(setting.key)
    if (current === setting.value) continue
    if (isAsStrict(setting, current)) {
      kept.push({ file: '.npmrc', setting: setting.key, from: current, to: current!, note: `stricter than the policy's ${setting.value}` })
      continue
    }
    changes.push({ file: '.npmrc', setting: setting.key, from: current, to: setting.value, ...(current !== null ? { note: "looser than the policy: replaced" } : {}) })
    npmrc.set(setting.key, setting.value)
    npmrcChanged = true
  }
  return {
    projectDir,
    changes,
    kept,
    unexpressed: settings.unexpressed,
    policySource: write ? write.file : loaded.files.length > 0 ? loaded.files.join(' + ') : 'the embedded default',
    settings,
    writes: { policy: write, manifest: Object.keys(manifestUpdate).length > 0 ? manifestUpdate : null, npmrc: npmrcChanged ? npmrc : null },
  }
}

/** Writes what the plan holds: the policy file, package.json (through npm's own package.json library), the .npmrc. */
export async function applyInit(plan: InitPlan): Promise<void> {
  if (plan.writes.policy) await writeFileAtomic(path.join(plan.projectDir, plan.writes.policy.file), plan.writes.policy.text)
  if (plan.writes.manifest) await updateProjectManifest(plan.projectDir, plan.writes.manifest)
  if (plan.writes.npmrc) await plan.writes.npmrc.save()
}
