// The one "load npm config + policy" step every command starts with.
import { loadNpmConfig, type NpmConfig } from '../npm/npm-config.js'
import { loadPolicy, type LoadedPolicy } from '../policy/load.js'

export interface SetupRequest {
  /** npm's part of the arguments (flags and specs), for npm's own config loader. */
  npmArgs: string[]
  cwd: string
  env: NodeJS.ProcessEnv
  /** --policy */
  policyFile?: string
  /** --org-policy (else SAFE_NPM_ORG_POLICY) */
  orgPolicyFile?: string
}

export interface Setup {
  config: NpmConfig
  loaded: LoadedPolicy
}

export async function loadSetup(request: SetupRequest): Promise<Setup> {
  const config = await loadNpmConfig(request.npmArgs, request.cwd, request.env)
  const loaded = await loadPolicy({
    cwd: config.prefix,
    policyFile: request.policyFile,
    orgPolicyFile: request.orgPolicyFile ?? (request.env.SAFE_NPM_ORG_POLICY || undefined),
    npmOptions: config.flat,
  })
  return { config, loaded }
}

/** The registries npm is configured with: the default one and every scoped one. */
export function configuredRegistries(config: NpmConfig): string[] {
  return [config.defaultRegistry, ...Object.values(config.scopedRegistries)]
}
