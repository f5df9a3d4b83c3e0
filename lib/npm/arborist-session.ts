// One Arborist instance per run: it builds the ideal tree that gets judged and
// then reifies that same tree, so no version can change between the check and
// the install. Install scripts are off during reify; the allowed ones run after.
import { readdir, readFile, rm } from 'node:fs/promises'
import path from 'node:path'
import { NpmFailure, UsageError } from '../errors.js'
import { mapConcurrently } from '../model/concurrency.js'
import type { PackageView } from '../model/rule.js'
import type { NpmConfig } from './npm-config.js'
import { explainConflict, isConflictExplanation } from './explain-resolution.js'
import { NpmLogCapture, type ExtractionError, type NpmWarning } from './npm-log.js'
import { ProjectFilesBackup } from './project-files.js'
import { RecordingPackumentCache } from './packument-facts.js'
import { shortestDependencyPaths, toPackageView, treeHasBundles } from './package-view.js'
import { parseLockfile, parseProjectManifest } from './registry-data.js'
import { tarballTargetsOf, type TarballTarget } from './tarball-manifest.js'
import { unpackingWith, type TarballUnpacker } from './shared-unpacking.js'
import { requireCommonJs } from '../model/commonjs.js'

const Arborist: typeof import('@npmcli/arborist') = requireCommonJs('@npmcli/arborist')
const PackageJson: typeof import('@npmcli/package-json') = requireCommonJs('@npmcli/package-json')
const runScript: typeof import('@npmcli/run-script') = requireCommonJs('@npmcli/run-script')
const npa: typeof import('npm-package-arg') = requireCommonJs('npm-package-arg')
const semver: typeof import('semver') = requireCommonJs('semver')

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
  /** The folder to build the tree for, instead of npm's prefix (inspect: an empty project, with the project's npm config). */
  path?: string
  /**
   * Read the versions installed in node_modules (its hidden lockfile), so a
   * package view can say which version it replaces (a security fix through the age gate).
   */
  readsInstalledVersions?: boolean
  /**
   * The command will reify onto node_modules as it is (not ci, not --package-lock-only):
   * node_modules is read while the tree is resolved, as npm's reify does, so the
   * reading's file-system waits overlap the resolution's work.
   */
  readsInstalledTreeEarly?: boolean
}

export interface ReifySummary {
  added: number
  removed: number
  changed: number
}

const ROOT_LIFECYCLE = ['preinstall', 'install', 'postinstall', 'prepublish', 'preprepare', 'prepare', 'postprepare']

/**
 * Set to the project folder for the project's own scripts that safe-npm runs
 * after installing a judged tree: `safe-npm hook` there does nothing (a plain
 * npm install such a script starts in another folder is judged as usual).
 */
export const JUDGED_INSTALL_ENV = 'SAFE_NPM_JUDGED_INSTALL'

/** A JSON parser's reason on one line, without the quoted text around the error that npm's parser adds. */
const parseReason = (error: any): string =>
  String(error?.message ?? error).split('\n')[0].replace(/^Invalid package\.json: (JSONParseError: )?/, '').replace(/ while parsing .*$/, '')

/** Arborist errors carry a code; the ones caused by the project itself are usage errors. */
function asFailure(error: any, phase: string): Error {
  if (error?.exitCode !== undefined && error?.code) return error
  const message = String(error?.message ?? error).split('\n')[0]
  if (error?.code === 'EJSONPARSE') return new UsageError(`${error.path ?? 'package.json'}: invalid JSON: ${message}`, 'EJSONPARSE')
  if (error?.code === 'ERESOLVE') {
    const failure = new NpmFailure(`could not resolve the dependency tree: ${message} (try --legacy-peer-deps)`, 'ERESOLVE')
    failure.detail = isConflictExplanation(error) ? explainConflict(error) : []
    return failure
  }
  if (error?.code === 'ETARGET') return new NpmFailure(`${phase}: ${message}`, 'ETARGET')
  if (error?.code === 'E404') return new NpmFailure(`${phase}: ${message}`, 'E404')
  // The code is printed before the message (`error E500: …`): not repeated after it.
  return new NpmFailure(`${phase} failed: ${message}`, error?.code ?? 'ENPM')
}

/**
 * The reify steps that extract tarballs. A step that throws makes Arborist
 * undo what reify put in node_modules so far, so these are made to throw when
 * an extraction error was logged: pacote only logs them.
 */
export const EXTRACTING_REIFY_STEPS = [Symbol.for('unpackNewModules'), Symbol.for('build')]

function failExtractingSteps(arborist: any, failure: () => Error | null, onFail: () => void): void {
  for (const step of EXTRACTING_REIFY_STEPS) {
    const original = arborist[step]
    if (typeof original !== 'function') continue // another Arborist: the check after reify still fails the install
    arborist[step] = async function (this: unknown, ...args: unknown[]) {
      const result = await original.apply(this, args)
      const error = failure()
      if (error) {
        onFail()
        throw error
      }
      return result
    }
  }
}

/**
 * A package spec from the command line with a relative path (`./lib`,
 * `foo@../foo.tgz`) made absolute from `cwd`: Arborist reads such a spec from
 * the process's working directory, and the directory safe-npm runs in is the
 * Io's. Every other spec is left as it was typed.
 */
export function specFromDirectory(spec: string, cwd: string): string {
  let parsed
  try {
    parsed = npa(spec, cwd)
  } catch {
    return spec // Arborist says what is wrong with it
  }
  if (parsed.type !== 'file' && parsed.type !== 'directory') return spec
  return parsed.name ? `${parsed.name}@${parsed.fetchSpec}` : String(parsed.fetchSpec)
}

export class ArboristSession {
  readonly packumentCache = new RecordingPackumentCache()
  readonly path: string
  #arborist: any
  #options: Record<string, any>
  #config: NpmConfig
  #session: SessionOptions
  #locked = new Map<string, string>()
  /** What node_modules/.package-lock.json says is installed (location → version), when asked for. */
  #installed = new Map<string, string>()
  #hasLockfile = false
  /** The lockfile document #checkProjectFiles parsed, or null. */
  #lockDocument: Record<string, any> | null = null
  #nodes = new Map<string, any>()
  readonly #log = new NpmLogCapture()

  constructor(config: NpmConfig, session: SessionOptions) {
    this.#config = config
    this.#session = session
    this.path = session.path ?? config.prefix
    this.#options = this.#arboristOptions(session.before)
    this.#arborist = new Arborist(this.#options)
  }

  /** The options Arborist was last given (read by tests). */
  get arboristOptions(): Readonly<Record<string, any>> {
    return this.#options
  }

  /** npm's own `before` (from min-release-age or --before), or null. */
  get #userBefore(): Date | null {
    return this.#config.flat.before ? new Date(this.#config.flat.before) : null
  }

  #arboristOptions(before: Date | null, { withUserBefore = true } = {}): Record<string, any> {
    const flat = this.#config.flat
    // npm's own min-release-age / before also apply; the earlier date wins.
    const userBefore = withUserBefore ? this.#userBefore : null
    const effectiveBefore = before && userBefore ? (before < userBefore ? before : userBefore) : before ?? userBefore
    return {
      ...flat,
      path: this.path,
      add: this.#session.add.map((spec) => specFromDirectory(spec, this.#config.cwd ?? process.cwd())),
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

  /**
   * The tree Arborist reads from npm-shrinkwrap.json or package-lock.json
   * (lockfileVersion 1, 2 or 3 alike), without resolving anything; null when
   * the project has neither.
   */
  async #loadLockfile(arborist: any): Promise<any | null> {
    try {
      return await arborist.loadVirtual()
    } catch (error: any) {
      if (error?.code !== 'ENOLOCK') throw asFailure(error, 'reading package-lock.json')
    }
    // Arborist treats a lockfile it cannot parse like a missing one; for
    // safe-npm a broken lockfile is a mistake to report, not to ignore.
    const lock = await Arborist.Shrinkwrap.load({ path: this.path })
    if (lock.loadingError) {
      throw new UsageError(`${lock.type}: invalid JSON: ${parseReason(lock.loadingError)}`, 'EJSONPARSE')
    }
    return null
  }

  /** Entries of the lockfile (location → version), to tell locked nodes from fresh ones. */
  #recordLockedVersions(tree: any | null): void {
    this.#hasLockfile = tree !== null
    this.#locked.clear()
    for (const node of tree?.inventory.values() ?? []) {
      if (node.isProjectRoot || node.isLink || !node.location || !node.version) continue
      this.#locked.set(node.location, node.version)
    }
  }

  /**
   * package.json and the lockfile checked at the registry-data boundary before
   * Arborist or anything else reads them: a wrong shape is EPACKAGEJSON or
   * ELOCKFILE naming the file and the field (not E404 GET /0, not a TypeError).
   */
  async #checkProjectFiles(): Promise<void> {
    const manifest = await readFile(path.join(this.path, 'package.json'), 'utf8').catch(() => null)
    if (manifest !== null) await parseProjectManifest(manifest)
    this.#lockDocument = null
    for (const file of ['npm-shrinkwrap.json', 'package-lock.json']) {
      const lock = await readFile(path.join(this.path, file), 'utf8').catch(() => null)
      if (lock === null) continue
      this.#lockDocument = await parseLockfile(lock, file)
      return
    }
  }

  /**
   * The lockfile's entries (location → version). A v2/v3 lockfile's `packages`
   * are the nodes Arborist's loadVirtual would build, so they are read from the
   * document already parsed (building that tree costs as much as Arborist's own
   * lockfile load); a v1 lockfile is read by an Arborist of its own, so the
   * session's instance still builds its tree from scratch.
   */
  async #readLockedVersions(): Promise<void> {
    const entries = this.#lockDocument?.packages
    if (Number(this.#lockDocument?.lockfileVersion) >= 2 && entries && typeof entries === 'object') {
      this.#hasLockfile = true
      this.#locked.clear()
      for (const [location, entry] of Object.entries<any>(entries)) {
        // as #recordLockedVersions skips them: the root, links, entries without a version
        if (!location || entry?.link === true || typeof entry?.version !== 'string' || !entry.version) continue
        this.#locked.set(location, entry.version)
      }
      return
    }
    this.#recordLockedVersions(await this.#loadLockfile(new Arborist(this.#options)))
  }

  /** Fails on a package.json npm could not read (invalid JSON); none at all is fine. */
  async #readManifest(): Promise<void> {
    let manifest: unknown
    try {
      manifest = (await PackageJson.normalize(this.path)).content
    } catch (error: any) {
      if (error?.code === 'ENOENT') return // npm installs into a folder without package.json too
      throw new UsageError(`package.json: invalid JSON: ${parseReason(error)}`, 'EJSONPARSE')
    }
    if (manifest === null || typeof manifest !== 'object' || Array.isArray(manifest)) {
      throw new UsageError('package.json: invalid JSON: not an object', 'EJSONPARSE')
    }
  }

  /** npm dedupe: the names installed more than once, as Arborist's own dedupe() finds them. */
  async #namesToDedupe(): Promise<string[]> {
    const probe = new Arborist(this.#options)
    const tree = await probe.loadVirtual().catch(() => probe.loadActual())
    return [...tree.inventory.query('name')].filter((name: string) => tree.inventory.query('name', name).size > 1)
  }

  /**
   * The versions installed at the lockfile's locations, from each package's
   * own package.json in node_modules (npm's hidden lockfile is rewritten even
   * by --package-lock-only, so it cannot say what is on disk). A missing or
   * unreadable one only means nothing is known there.
   */
  async #readInstalledVersions(): Promise<void> {
    this.#installed.clear()
    if (!this.#session.readsInstalledVersions) return
    const locations = [...this.#locked.keys()].filter((location) => location.startsWith('node_modules/') && !location.includes('..'))
    const versions = await mapConcurrently(locations, 16, async (location) => {
      const text = await readFile(path.join(this.path, location, 'package.json'), 'utf8').catch(() => null)
      try {
        const version = text === null ? null : JSON.parse(text)?.version
        return typeof version === 'string' && semver.valid(version) !== null ? version : null
      } catch {
        return null
      }
    })
    locations.forEach((location, index) => {
      if (versions[index]) this.#installed.set(location, versions[index])
    })
  }

  /** Build the tree npm would install. Retries without the age gate when only the gate made resolution fail. */
  async buildIdealTree(): Promise<{ ageGateFallback: string | null }> {
    await this.#checkProjectFiles()
    await this.#readManifest()
    await this.#readLockedVersions()
    await this.#readInstalledVersions()
    if (this.#session.isCleanInstall) this.#checkLockfileInSync()
    const dedupe = this.#session.dedupe ? { preferDedupe: true, update: { names: await this.#namesToDedupe() } } : {}
    this.#options = { ...this.#options, ...dedupe }
    // Arborist keeps the actual tree it loads: tarballTargets() and reify use this one. A failure
    // to read node_modules shows where they use it (as in npm's reify), not here.
    if (this.#session.readsInstalledTreeEarly) void this.#log.during(() => this.#arborist.loadActual({ ignoreMissing: true })).catch(() => undefined)
    try {
      await this.#log.during(() => this.#arborist.buildIdealTree(this.#options))
      this.#failOnExtractionErrors('while resolving the tree')
      return { ageGateFallback: null }
    } catch (error: any) {
      if ((error?.code === 'ETARGET' || error?.code === 'ENOVERSIONS') && this.#options.before) {
        // No version old enough satisfies a range: resolve without the gate so
        // the report can name the young package instead of a bare ETARGET.
        // npm's own min-release-age goes too when the policy's gate is at least
        // as strict (safe-npm init writes it in step with the policy): the
        // policy's rule then judges every version. A stricter npm setting stays
        // npm's to enforce, with npm's own error.
        const policyBefore = this.#session.before
        const userBefore = this.#userBefore
        // (Both dates are now minus an age, taken moments apart: a minute's slack.)
        const isPolicyStricter = policyBefore !== null && (userBefore === null || policyBefore.getTime() <= userBefore.getTime() + 60_000)
        this.#options = { ...this.#arboristOptions(null, { withUserBefore: !isPolicyStricter }), ...dedupe }
        this.#arborist = new Arborist(this.#options)
        try {
          await this.#log.during(() => this.#arborist.buildIdealTree(this.#options))
        } catch (retryError) {
          throw asFailure(retryError, 'resolving the dependency tree')
        }
        this.#failOnExtractionErrors('while resolving the tree')
        return { ageGateFallback: String(error.message).split('\n')[0] }
      }
      throw asFailure(error, 'resolving the dependency tree')
    }
  }

  /** npm ci: a lockfile must exist and agree with package.json. */
  #checkLockfileInSync(): void {
    if (!this.#hasLockfile) {
      throw new UsageError('safe-npm ci needs a package-lock.json or npm-shrinkwrap.json; run safe-npm install first', 'ENOLOCK')
    }
  }

  /**
   * Build the ideal tree again without the nodes at these locations, so
   * Arborist resolves each of them afresh under the policy's age gate while
   * everything else stays as locked: how a too-young locked version is held
   * back to a mature one. (npm update never moves a locked version down, so
   * the nodes are taken out of the lockfile tree Arborist starts from.)
   */
  async resolveAgain(locations: string[]): Promise<void> {
    const arborist = new Arborist(this.#options)
    try {
      // buildIdealTree starts from the lockfile tree Arborist has loaded.
      const locked: any = await this.#log.during(() => arborist.loadVirtual())
      for (const location of locations) {
        const node = locked.inventory.get(location)
        if (node && !node.isProjectRoot) node.root = null
      }
      this.#arborist = arborist
      this.#nodes.clear()
      await this.#log.during(() => this.#arborist.buildIdealTree(this.#options))
    } catch (error) {
      throw asFailure(error, 'resolving the dependency tree')
    }
    this.#failOnExtractionErrors('while resolving the tree')
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
    await this.#checkProjectFiles()
    this.#recordLockedVersions(await this.#log.during(() => this.#loadLockfile(this.#arborist)))
    if (this.#locked.size === 0) {
      throw new UsageError('no package-lock.json or npm-shrinkwrap.json with packages in this project', 'ENOLOCK')
    }
  }

  /** Load what is installed in node_modules (rebuild judges what is on disk). */
  async loadInstalledTree(): Promise<void> {
    await this.#checkProjectFiles()
    await this.#readLockedVersions()
    try {
      await this.#log.during(() => this.#arborist.loadActual())
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
    const paths = shortestDependencyPaths(this.#tree())
    const hasBundles = treeHasBundles(this.#tree())
    for (const node of this.#tree().inventory.values()) {
      if (node.isProjectRoot || node.isRoot) continue
      // A directory dependency is judged through its link, which carries the
      // edges and the file: spec; the folder it points at is skipped below.
      if (!node.isLink && node.linksIn?.size > 0) continue
      const view = toPackageView(node, registries, this.#locked, paths, hasBundles)
      if (view.source === 'workspace') continue
      // The version this one takes the place of: the lockfile's, else what node_modules holds.
      const replaces = [this.#locked.get(view.location), this.#installed.get(view.location)].find((version) => version && version !== view.version)
      if (replaces && view.source === 'registry') view.replacesVersion = replaces
      this.#nodes.set(view.location, node)
      views.push(view)
    }
    return views
  }

  /** What npm's libraries warned about during this session's Arborist work, in order. */
  get npmWarnings(): NpmWarning[] {
    return [...this.#log.warnings]
  }

  /** What reify is about to add or change, with the manifests they were resolved with: their tarballs are read first. */
  async tarballTargets(): Promise<TarballTarget[]> {
    return tarballTargetsOf(this.#tree(), this.#nodes, {
      isCleanInstall: this.#session.isCleanInstall,
      // The session's own instance, with reify's options: Arborist keeps the
      // actual tree it loaded, so reify diffs against this one instead of reading node_modules again.
      loadActual: () => this.#arborist.loadActual({ ignoreMissing: true }),
    })
  }

  /** Installs the tree; with an `unpacker`, its registry tarballs are unpacked on both cores (shared-unpacking.ts). */
  async reify(options: { dryRun: boolean; unpacker?: TarballUnpacker }): Promise<ReifySummary> {
    if (this.#session.isCleanInstall && !options.dryRun) await this.#emptyNodeModules()
    const backup = options.dryRun ? null : await ProjectFilesBackup.take(this.path, this.#workspaceDirs())
    let isRolledBack = false
    const alreadyLogged = this.#log.extractionErrors.length
    const failure = () => this.#extractionFailure(this.#log.extractionErrors.slice(alreadyLogged), '')
    failExtractingSteps(this.#arborist, failure, () => (isRolledBack = true))
    try {
      const unpacker = options.dryRun ? undefined : options.unpacker
      await this.#log.during(() => unpackingWith(unpacker, this.#config.flat, () => this.#arborist.reify({ ...this.#options, dryRun: options.dryRun })))
      const unparsable = (await backup?.unparsable()) ?? []
      const extraction = failure()
      if (extraction) throw extraction
      if (unparsable.length > 0) throw new NpmFailure(`installing wrote ${unparsable.map((file) => path.relative(this.path, file)).join(', ')} cut short`, 'EWRITE')
    } catch (error) {
      // Arborist's own rollback undid node_modules when a step threw; packages
      // it kept despite a failed extraction are removed so the next run installs them again.
      if (!isRolledBack) await this.#removeDamagedPackages((error as { cwd?: unknown })?.cwd)
      const problems = (await backup?.restore()) ?? []
      const thrown = failure() ?? asFailure(error, 'installing')
      if (backup) thrown.message += problems.length > 0 ? `; could not restore ${problems.join('; ')}` : '; package.json and the lockfile are as they were'
      throw thrown
    }
    return this.#summary()
  }

  #workspaceDirs(): string[] {
    const workspaces: Map<string, string> | undefined = this.#tree()?.workspaces
    return workspaces ? [...workspaces.values()] : []
  }

  /**
   * A tarball opened while resolving (for its manifest or bundled packages) lost an
   * entry: the tree that would be judged may lack what the install would put
   * on disk, so resolution fails too.
   */
  #failOnExtractionErrors(purpose: string): void {
    const failure = this.#extractionFailure(this.#log.extractionErrors, ` ${purpose}`)
    if (failure) throw failure
  }

  /** EEXTRACT naming the first package whose tarball could not be written completely, or null. */
  #extractionFailure(errors: ExtractionError[], purpose: string): NpmFailure | null {
    if (errors.length === 0) return null
    const first = errors[0]
    const where = this.#packageOf(first)
    const file = first.file && first.directory ? ` (${path.relative(first.directory, first.file)})` : ''
    const more = errors.length > 1 ? `; ${errors.length} entries failed in all` : ''
    return new NpmFailure(`could not extract ${where}${purpose}: ${first.errno ? '' : `${first.code} `}${first.message}${file}${more}`, 'EEXTRACT')
  }

  /** `name@version (location)` of the package an extraction error is about, or the best description there is. */
  #packageOf(error: ExtractionError): string {
    const inProject = error.directory && !path.relative(this.path, error.directory).startsWith('..')
    const location = inProject
      ? path.relative(this.path, error.directory as string).split(path.sep).join('/')
      : error.step?.match(/^idealTree:(.*node_modules\/.+)$/)?.[1]
    // pacote also extracts a local or remote tarball to read its manifest, before any node has a location.
    if (location === undefined) return 'a tarball'
    for (const tree of [this.#arborist.idealTree, this.#arborist.actualTree]) {
      const node = tree?.inventory.get(location)
      if (node?.packageName) return `${node.packageName}@${node.version} (${location})`
    }
    return location
  }

  /** `unpackedInto`: the folder of a tarball whose unpacking threw (tar's `cwd`), which tar may still write to after Arborist's rollback. */
  async #removeDamagedPackages(unpackedInto?: unknown): Promise<void> {
    const directories = new Set(this.#log.extractionErrors.map((error: ExtractionError) => error.directory).filter((dir): dir is string => Boolean(dir)))
    // Only a folder reify was adding: one that was installed before is Arborist's to restore.
    const location = typeof unpackedInto === 'string' ? path.relative(this.path, unpackedInto).split(path.sep).join('/') : null
    if (location !== null && !this.#arborist.actualTree?.inventory.get(location)) directories.add(unpackedInto as string)
    for (const directory of directories) {
      if (directory.startsWith(path.join(this.path, 'node_modules') + path.sep)) await rm(directory, { recursive: true, force: true })
    }
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
      await this.#log.during(() => builder.rebuild({ nodes }))
    } catch (error) {
      throw asFailure(error, 'running install scripts')
    }
  }

  /** The project's own lifecycle scripts, as `npm install` runs them with no package arguments. */
  async runRootScripts(options: { outputToStderr: boolean }): Promise<void> {
    // Read as @npmcli/run-script reads it when npm runs these scripts itself.
    const manifest = await PackageJson.normalize(this.path).then((read) => read.content, () => null)
    if (manifest === null) return
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
          env: { [JUDGED_INSTALL_ENV]: this.path },
        })
      } catch (error) {
        throw new NpmFailure(`the project's ${event} script failed: ${(error as Error).message.split('\n')[0]}`, 'ELIFECYCLE')
      }
    }
  }
}
