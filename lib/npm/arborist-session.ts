// One Arborist instance per run: it builds the ideal tree that gets judged and
// then reifies that same tree, so no version can change between the check and
// the install. Install scripts are off during reify; the allowed ones run after.
import Arborist from '@npmcli/arborist'
import runScript from '@npmcli/run-script'
import { readFile, readdir, rm } from 'node:fs/promises'
import path from 'node:path'
import { NpmFailure, UsageError } from '../errors.js'
import type { PackageView } from '../model/rule.js'
import type { NpmConfig } from './npm-config.js'
import { RecordingPackumentCache } from './packument-facts.js'
import { toPackageView } from './package-view.js'
import { tarballTargetsOf, type TarballTarget } from './tarball-manifest.js'

export interface SessionOptions {
  /** Package specs to add (`safe-npm install foo@1`). */
  add: string[]
  /** Resolve only versions published before this date (the release-age gate), or null. */
  before: Date | null
  /** Names exempt from `before`. */
  beforeExclude: string[]
  workspaces: string[]
  /** npm ci semantics: the lockfile is the tree, package.json must agree, nothing saved. */
  isCleanInstall: boolean
  /** npm update: true for everything, or the names to update. */
  update?: true | string[]
  /** npm uninstall: the names to remove. */
  rm?: string[]
  /** Overrides npm's save setting (npm update saves only when asked). */
  save?: boolean
  /** npm dedupe: update every name installed more than once, preferring deduplication. */
  dedupe?: boolean
}

export interface ReifySummary {
  added: number
  removed: number
  changed: number
}

const ROOT_LIFECYCLE = ['preinstall', 'install', 'postinstall', 'prepublish', 'preprepare', 'prepare', 'postprepare']

/** Arborist errors carry a code; the ones caused by the project itself are usage errors. */
function asFailure(error: any, phase: string): Error {
  if (error?.exitCode !== undefined && error?.code) return error
  const message = String(error?.message ?? error).split('\n')[0]
  if (error?.code === 'EJSONPARSE') return new UsageError(`${error.path ?? 'package.json'}: invalid JSON: ${message}`, 'EJSONPARSE')
  if (error?.code === 'ERESOLVE') return new NpmFailure(`could not resolve the dependency tree: ${message} (try --legacy-peer-deps)`, 'ERESOLVE')
  if (error?.code === 'ETARGET') return new NpmFailure(`${phase}: ${message}`, 'ETARGET')
  if (error?.code === 'E404') return new NpmFailure(`${phase}: ${message}`, 'E404')
  return new NpmFailure(`${phase} failed: ${message}${error?.code ? ` (${error.code})` : ''}`, error?.code ?? 'ENPM')
}

export class ArboristSession {
  readonly packumentCache = new RecordingPackumentCache()
  readonly path: string
  #arborist: any
  #options: Record<string, any>
  #config: NpmConfig
  #session: SessionOptions
  #locked = new Map<string, string>()
  #nodes = new Map<string, any>()

  constructor(config: NpmConfig, session: SessionOptions) {
    this.#config = config
    this.#session = session
    this.path = config.prefix
    this.#options = this.#arboristOptions(session.before)
    this.#arborist = new Arborist(this.#options)
  }

  #arboristOptions(before: Date | null): Record<string, any> {
    const flat = this.#config.flat
    // npm's own min-release-age / before also apply; the earlier date wins.
    const userBefore = flat.before ? new Date(flat.before) : null
    const effectiveBefore = before && userBefore ? (before < userBefore ? before : userBefore) : before ?? userBefore
    return {
      ...flat,
      path: this.path,
      add: this.#session.add,
      workspaces: this.#session.workspaces,
      auditLevel: null,
      audit: false,
      ignoreScripts: true,
      // safe-npm decides which scripts run; npm's own gate would ask again.
      allowScripts: null,
      before: effectiveBefore,
      minReleaseAgeExclude: [...(flat.minReleaseAgeExclude ?? []), ...this.#session.beforeExclude],
      packumentCache: this.packumentCache,
      // Open tarballs with bundled dependencies or a shrinkwrap while building,
      // so the packages they carry are in the tree that gets judged.
      complete: true,
      ...(this.#session.update ? { update: this.#session.update } : {}),
      ...(this.#session.rm ? { rm: this.#session.rm } : {}),
      ...(this.#session.save !== undefined ? { save: this.#session.save } : {}),
      ...(this.#session.isCleanInstall ? { packageLock: true, save: false } : {}),
    }
  }

  /** Entries of package-lock.json (location → version), to tell locked nodes from fresh ones. */
  async #readLockedVersions(): Promise<void> {
    for (const file of ['npm-shrinkwrap.json', 'package-lock.json']) {
      let text: string
      try {
        text = await readFile(path.join(this.path, file), 'utf8')
      } catch {
        continue
      }
      try {
        const lock = JSON.parse(text)
        for (const [location, entry] of Object.entries<any>(lock.packages ?? {})) {
          if (location && entry?.version) this.#locked.set(location, entry.version)
        }
        // lockfileVersion 1 (npm 5/6) nests `dependencies` instead of listing `packages`.
        if (!lock.packages) this.#readNestedLock(lock.dependencies, '')
      } catch (error) {
        throw new UsageError(`${file}: invalid JSON: ${(error as Error).message}`, 'EJSONPARSE')
      }
      return
    }
  }

  #readNestedLock(dependencies: Record<string, any> | undefined, prefix: string): void {
    for (const [name, entry] of Object.entries<any>(dependencies ?? {})) {
      const location = `${prefix}node_modules/${name}`
      if (typeof entry?.version === 'string') this.#locked.set(location, entry.version.replace(/^npm:.*@/, ''))
      this.#readNestedLock(entry?.dependencies, `${location}/`)
    }
  }

  async #readManifest(): Promise<void> {
    let text: string
    try {
      text = await readFile(path.join(this.path, 'package.json'), 'utf8')
    } catch {
      return // npm installs into a folder without package.json too
    }
    try {
      const manifest = JSON.parse(text)
      if (manifest === null || typeof manifest !== 'object' || Array.isArray(manifest)) throw new Error('not an object')
    } catch (error) {
      throw new UsageError(`package.json: invalid JSON: ${(error as Error).message}`, 'EJSONPARSE')
    }
  }

  /** npm dedupe: the names installed more than once, as Arborist's own dedupe() finds them. */
  async #namesToDedupe(): Promise<string[]> {
    const probe = new Arborist(this.#options)
    const tree = await probe.loadVirtual().catch(() => probe.loadActual())
    return [...tree.inventory.query('name')].filter((name: string) => tree.inventory.query('name', name).size > 1)
  }

  /** Build the tree npm would install. Retries without the age gate when only the gate made resolution fail. */
  async buildIdealTree(): Promise<{ ageGateFallback: string | null }> {
    await this.#readManifest()
    await this.#readLockedVersions()
    if (this.#session.isCleanInstall) await this.#checkLockfileInSync()
    const dedupe = this.#session.dedupe ? { preferDedupe: true, update: { names: await this.#namesToDedupe() } } : {}
    this.#options = { ...this.#options, ...dedupe }
    try {
      await this.#arborist.buildIdealTree(this.#options)
      return { ageGateFallback: null }
    } catch (error: any) {
      if ((error?.code === 'ETARGET' || error?.code === 'ENOVERSIONS') && this.#options.before) {
        // No version old enough satisfies a range: resolve without the gate so
        // the report can name the young package instead of a bare ETARGET.
        this.#options = { ...this.#arboristOptions(null), ...dedupe }
        this.#arborist = new Arborist(this.#options)
        try {
          await this.#arborist.buildIdealTree(this.#options)
        } catch (retryError) {
          throw asFailure(retryError, 'resolving the dependency tree')
        }
        return { ageGateFallback: String(error.message).split('\n')[0] }
      }
      throw asFailure(error, 'resolving the dependency tree')
    }
  }

  /** npm ci: a lockfile must exist and agree with package.json. */
  async #checkLockfileInSync(): Promise<void> {
    if (this.#locked.size === 0) {
      const hasRootOnly = await readFile(path.join(this.path, 'package-lock.json'), 'utf8').then(
        () => true,
        () => readFile(path.join(this.path, 'npm-shrinkwrap.json'), 'utf8').then(() => true, () => false),
      )
      if (!hasRootOnly) {
        throw new UsageError('safe-npm ci needs a package-lock.json or npm-shrinkwrap.json; run safe-npm install first', 'ENOLOCK')
      }
    }
  }

  /** Compare the ideal tree with the lockfile for `ci`: every locked entry must be kept at its version. */
  verifyMatchesLockfile(): void {
    const problems: string[] = []
    for (const node of this.#arborist.idealTree.inventory.values()) {
      if (node.isProjectRoot || node.isLink || !node.location) continue
      const locked = this.#locked.get(node.location)
      if (locked === undefined) problems.push(`${node.location} is missing from the lockfile`)
      else if (locked !== node.version) problems.push(`${node.location} is ${node.version} in the tree but ${locked} in the lockfile`)
    }
    if (problems.length > 0) {
      throw new UsageError(
        `package.json and package-lock.json are out of sync: ${problems.slice(0, 3).join('; ')}${problems.length > 3 ? ` (and ${problems.length - 3} more)` : ''}; run safe-npm install to update the lockfile`,
        'ELOCKOUTOFSYNC',
      )
    }
  }

  /** Load the tree recorded in package-lock.json without resolving anything (check --lockfile). */
  async loadLockfileTree(): Promise<void> {
    await this.#readLockedVersions()
    if (this.#locked.size === 0) {
      throw new UsageError('no package-lock.json or npm-shrinkwrap.json with packages in this project', 'ENOLOCK')
    }
    try {
      await this.#arborist.loadVirtual()
    } catch (error) {
      throw asFailure(error, 'reading package-lock.json')
    }
  }

  /** Load what is installed in node_modules (rebuild judges what is on disk). */
  async loadInstalledTree(): Promise<void> {
    await this.#readLockedVersions()
    try {
      await this.#arborist.loadActual()
    } catch (error) {
      throw asFailure(error, 'reading node_modules')
    }
  }

  #tree(): any {
    return this.#arborist.idealTree ?? this.#arborist.virtualTree ?? this.#arborist.actualTree
  }

  /** The project at the root of the tree. */
  project(): { name: string; version: string } {
    const root = this.#tree()
    return { name: root.packageName || path.basename(this.path), version: root.version || '' }
  }

  /** Every package of the tree except the project root, workspaces and links themselves. */
  packages(): PackageView[] {
    const registries = [this.#config.defaultRegistry, ...Object.values(this.#config.scopedRegistries)]
    const views: PackageView[] = []
    this.#nodes.clear()
    for (const node of this.#tree().inventory.values()) {
      if (node.isProjectRoot || node.isRoot) continue
      // A directory dependency is judged through its link, which carries the
      // edges and the file: spec; the folder it points at is skipped below.
      if (!node.isLink && node.linksIn?.size > 0) continue
      const view = toPackageView(node, registries, this.#locked)
      if (view.source === 'workspace') continue
      this.#nodes.set(view.location, node)
      views.push(view)
    }
    return views
  }

  /** What reify is about to add or change, with the manifests they were resolved with: their tarballs are read first. */
  async tarballTargets(): Promise<TarballTarget[]> {
    return tarballTargetsOf(this.#tree(), this.#nodes, {
      isCleanInstall: this.#session.isCleanInstall,
      loadActual: () => new Arborist(this.#options).loadActual(),
    })
  }

  async reify(options: { dryRun: boolean }): Promise<ReifySummary> {
    if (this.#session.isCleanInstall && !options.dryRun) await this.#emptyNodeModules()
    try {
      await this.#arborist.reify({ ...this.#options, dryRun: options.dryRun })
    } catch (error) {
      throw asFailure(error, 'installing')
    }
    return this.#summary()
  }

  async #emptyNodeModules(): Promise<void> {
    const folder = path.join(this.path, 'node_modules')
    const entries = await readdir(folder).catch(() => [] as string[])
    await Promise.all(entries.map((entry) => rm(path.join(folder, entry), { recursive: true, force: true })))
  }

  #summary(): ReifySummary {
    const summary: ReifySummary = { added: 0, removed: 0, changed: 0 }
    const walk = (diff: any) => {
      if (!diff) return
      if (diff.action === 'ADD') summary.added++
      else if (diff.action === 'REMOVE') summary.removed++
      else if (diff.action === 'CHANGE') summary.changed++
      for (const child of diff.children ?? []) walk(child)
    }
    walk(this.#arborist.diff)
    return summary
  }

  /** Locations that reify added or changed: only their install scripts are due (npm does not rerun unchanged ones). */
  changedLocations(): Set<string> {
    const locations = new Set<string>()
    const walk = (diff: any) => {
      if (!diff) return
      if ((diff.action === 'ADD' || diff.action === 'CHANGE') && diff.ideal) locations.add(diff.ideal.location)
      for (const child of diff.children ?? []) walk(child)
    }
    walk(this.#arborist.diff)
    return locations
  }

  /** Run the install scripts of these packages only (by location), after reify. */
  async runDependencyScripts(locations: string[]): Promise<void> {
    const nodes = locations.map((location) => this.#nodes.get(location)).filter(Boolean)
    if (nodes.length === 0) return
    // A fresh instance: the one that reified keeps every scripted node queued
    // from its own (script-less) build, and a second rebuild on it would run them all.
    const builder = new Arborist({ ...this.#options, ignoreScripts: false })
    try {
      await builder.rebuild({ nodes })
    } catch (error) {
      throw asFailure(error, 'running install scripts')
    }
  }

  /** The project's own lifecycle scripts, as `npm install` runs them with no package arguments. */
  async runRootScripts(options: { outputToStderr: boolean }): Promise<void> {
    let manifest: any
    try {
      manifest = JSON.parse(await readFile(path.join(this.path, 'package.json'), 'utf8'))
    } catch {
      return
    }
    for (const event of ROOT_LIFECYCLE) {
      if (!manifest?.scripts?.[event]) continue
      try {
        await runScript({
          path: this.path,
          event,
          args: [],
          // With --json, stdout carries only the report: script output goes to stderr.
          stdio: options.outputToStderr ? ['inherit', 2, 2] : 'inherit',
          scriptShell: this.#config.flat.scriptShell || undefined,
          pkg: manifest,
        })
      } catch (error) {
        throw new NpmFailure(`the project's ${event} script failed: ${(error as Error).message.split('\n')[0]}`, 'ELIFECYCLE')
      }
    }
  }
}
