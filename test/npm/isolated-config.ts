// npm configuration read from temp files only: HOME, the user and global
// npmrc all point into a fresh temp dir, and no npm_* variable of the process
// running the tests is passed on, so the real ~/.npmrc is never read.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadNpmConfig, type NpmConfig } from '../../lib/npm/npm-config.ts'

const made: string[] = []

/** Removes every temp dir isolatedNpm made. */
export async function removeIsolatedNpms(): Promise<void> {
  await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })))
}

export interface IsolatedNpm {
  /** The temp dir: HOME, with `.npmrc` (user) and `.npmrc-global` in it. */
  home: string
  /** A project dir with a package.json, inside home. */
  project: string
  env: Record<string, string>
  load(args?: string[], options?: { cwd?: string; env?: Record<string, string> }): Promise<NpmConfig>
}

export async function isolatedNpm(files: { userNpmrc?: string[]; projectNpmrc?: string[] } = {}): Promise<IsolatedNpm> {
  const home = await mkdtemp(join(tmpdir(), 'safe-npm-config-'))
  made.push(home)
  const project = join(home, 'project')
  await mkdir(project)
  await writeFile(join(project, 'package.json'), '{ "name": "app", "version": "1.0.0" }\n')
  await writeFile(join(home, '.npmrc'), `${(files.userNpmrc ?? []).join('\n')}\n`)
  await writeFile(join(home, '.npmrc-global'), '')
  if (files.projectNpmrc) await writeFile(join(project, '.npmrc'), `${files.projectNpmrc.join('\n')}\n`)
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: home,
    USERPROFILE: home,
    npm_config_userconfig: join(home, '.npmrc'),
    npm_config_globalconfig: join(home, '.npmrc-global'),
    npm_config_cache: join(home, '.npm'),
  }
  return {
    home,
    project,
    env,
    load: (args = [], options = {}) => loadNpmConfig(args, options.cwd ?? project, { ...env, ...options.env }),
  }
}
