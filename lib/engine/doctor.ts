// `safe-npm doctor`: whether a project's setup does what init sets up — the
// policy, the preinstall hook, the npm settings that enforce the policy under
// plain npm, the npm version (what the hook can stop there), safe-npm on the
// PATH npm's scripts get, and the malware feeds.
import { access, constants } from 'node:fs/promises'
import path from 'node:path'
import { describeError } from '../errors.js'
import { loadNpmConfig } from '../npm/npm-config.js'
import { loadProjectManifest } from '../npm/project-manifest.js'
import { loadPolicy } from '../policy/load.js'
import { intelCacheDir, feedStatus } from './feeds.js'
import { hookReach } from './hook.js'
import { HOOK_SCRIPT, hookScriptFor } from './init.js'
import { isAsStrict, npmNativeSettings } from './npm-native-settings.js'
import { requireCommonJs } from '../model/commonjs.js'

const semver: typeof import('semver') = requireCommonJs('semver')

export interface DoctorCheck {
  area: 'policy' | 'hook' | 'npm settings' | 'npm' | 'safe-npm' | 'feeds'
  isFine: boolean
  message: string
  /** What to do about it, when not fine. */
  fix?: string
}

export interface DoctorRequest {
  npmArgs: string[]
  cwd: string
  env: NodeJS.ProcessEnv
  policyFile?: string
  orgPolicyFile?: string
  /** The npm that runs the project's installs, or null when none was found. */
  npmVersion: string | null
}

const isExecutable = (file: string) => access(file, constants.X_OK).then(() => true, () => false)

/** Where a script's `safe-npm` comes from: npm puts node_modules/.bin before PATH. */
async function safeNpmOnPath(projectDir: string, env: NodeJS.ProcessEnv): Promise<{ global: boolean; local: boolean }> {
  const dirs = (env.PATH ?? '').split(path.delimiter).filter(Boolean)
  const found = await Promise.all(dirs.map((dir) => isExecutable(path.join(dir, 'safe-npm'))))
  return { global: found.some(Boolean), local: await isExecutable(path.join(projectDir, 'node_modules', '.bin', 'safe-npm')) }
}

export async function diagnose(request: DoctorRequest): Promise<DoctorCheck[]> {
  const config = await loadNpmConfig(request.npmArgs, request.cwd, request.env)
  const projectDir = config.prefix
  const checks: DoctorCheck[] = []
  const init = 'safe-npm init'

  let loaded = null
  try {
    loaded = await loadPolicy({ cwd: projectDir, policyFile: request.policyFile, orgPolicyFile: request.orgPolicyFile ?? (request.env.SAFE_NPM_ORG_POLICY || undefined) })
    checks.push(
      loaded.files.length > 0
        ? { area: 'policy', isFine: true, message: `${loaded.files.join(' + ')} is valid` }
        : { area: 'policy', isFine: false, message: 'no policy file: the embedded default applies', fix: `${init} writes one (.safe-npmrc.json) to review and commit` },
    )
  } catch (error) {
    checks.push({ area: 'policy', isFine: false, message: describeError(error), fix: 'correct the policy file (safe-npm policy shows what applies)' })
  }

  const manifest = await loadProjectManifest(projectDir).catch(() => null)
  const preinstall = manifest?.scripts?.preinstall as string | undefined
  if (!manifest) checks.push({ area: 'hook', isFine: false, message: `no readable package.json in ${projectDir}`, fix: 'run doctor in the project folder' })
  else if (hookScriptFor(preinstall).script === preinstall) checks.push({ area: 'hook', isFine: true, message: `package.json preinstall runs ${JSON.stringify(preinstall)}` })
  else {
    checks.push({
      area: 'hook',
      isFine: false,
      message: preinstall ? `package.json preinstall is ${JSON.stringify(preinstall)}, without the hook` : 'package.json has no preinstall hook: plain npm install and npm ci are not judged',
      fix: `${init} (or set "preinstall": "${HOOK_SCRIPT}")`,
    })
  }

  if (loaded) {
    const settings = npmNativeSettings(loaded.policy)
    for (const setting of settings.npmrc) {
      const raw = config.get(setting.key)
      const current = raw === null || raw === undefined || (Array.isArray(raw) && raw.length === 0) ? null : Array.isArray(raw) ? raw.join(',') : String(raw)
      if (isAsStrict(setting, current)) checks.push({ area: 'npm settings', isFine: true, message: `${setting.key}=${current}: ${setting.stops}` })
      else {
        checks.push({
          area: 'npm settings',
          isFine: false,
          message: `${setting.key} is ${current ?? 'not set'}; the policy needs ${setting.value}, so that ${setting.stops}`,
          fix: `${init} (or ${setting.key}=${setting.value} in .npmrc)`,
        })
      }
    }
    const allowScripts = manifest?.allowScripts && typeof manifest.allowScripts === 'object' ? (manifest.allowScripts as Record<string, unknown>) : {}
    const missing = Object.entries(settings.allowScripts).filter(([key, value]) => allowScripts[key] !== value)
    if (missing.length === 0) checks.push({ area: 'npm settings', isFine: true, message: `package.json allowScripts has the policy's ${Object.keys(settings.allowScripts).length} script allowance(s)` })
    else {
      checks.push({
        area: 'npm settings',
        isFine: false,
        message: `package.json allowScripts lacks or contradicts ${missing.map(([key, value]) => `${key}: ${value}`).join(', ')} from the policy`,
        fix: init,
      })
    }
    const extra = Object.entries(allowScripts).filter(([key, value]) => value === true && !(key in settings.allowScripts))
    if (extra.length > 0 && !loaded.policy.scripts.npmAllowScripts) {
      checks.push({
        area: 'npm settings',
        isFine: false,
        message: `package.json allowScripts allows ${extra.map(([key]) => key).join(', ')}, which the policy does not (scripts.npmAllowScripts is false): plain npm runs their scripts, safe-npm does not`,
        fix: 'add them to the policy\'s scripts.allow, or remove them from allowScripts',
      })
    }
  }

  const version = semver.coerce(request.npmVersion ?? '')
  checks.push(
    version === null
      ? { area: 'npm', isFine: false, message: 'no npm found', fix: 'install npm 11.19 or later' }
      : { area: 'npm', isFine: version.major >= 11, message: `npm ${request.npmVersion}: ${hookReach(request.npmVersion)}`, ...(version.major < 11 ? { fix: 'use npm 11.19 or later: older npm has none of the settings above' } : {}) },
  )

  const where = await safeNpmOnPath(projectDir, request.env)
  if (where.global) checks.push({ area: 'safe-npm', isFine: true, message: 'safe-npm is on PATH for the hook' })
  else if (where.local) {
    const major = version?.major ?? 0
    checks.push({
      area: 'safe-npm',
      isFine: major < 12,
      message: 'safe-npm is only in node_modules/.bin: on npm 12, whose hook runs before node_modules exists on a fresh checkout, the hook would not be found',
      ...(major >= 12 ? { fix: 'install safe-npm globally (npm install -g safe-npm)' } : {}),
    })
  } else checks.push({ area: 'safe-npm', isFine: false, message: 'safe-npm is not on PATH: npm cannot run the hook', fix: 'install safe-npm globally or as a devDependency' })

  if (loaded) {
    try {
      const feeds = await feedStatus(loaded.policy, {
        npmOptions: config.flat,
        defaultRegistry: config.defaultRegistry,
        scopedRegistries: config.scopedRegistries,
        cacheDir: intelCacheDir(config.flat),
        projectDir,
        isRefresh: false,
      })
      if (feeds.length === 0) checks.push({ area: 'feeds', isFine: true, message: 'no malware feeds configured' })
      for (const feed of feeds) {
        const isFine = feed.state !== 'unreachable'
        checks.push({ area: 'feeds', isFine, message: `${feed.feed}: ${feed.state}, ${feed.detail}`, ...(isFine ? {} : { fix: 'check the network, the registry or the feed settings (safe-npm intel status)' }) })
      }
    } catch (error) {
      checks.push({ area: 'feeds', isFine: false, message: describeError(error), fix: 'safe-npm intel status' })
    }
  }
  return checks
}
