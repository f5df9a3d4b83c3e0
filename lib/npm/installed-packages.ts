// Taking packages out of an installed node_modules so that nothing of them
// stays loadable: the folder, every bin link into it, and npm's hidden
// lockfile (which would tell the next npm run they are still there).
import { access, lstat, readdir, readlink, rm } from 'node:fs/promises'
import path from 'node:path'
import { requireCommonJs } from '../model/commonjs.js'

const PackageJson: typeof import('@npmcli/package-json') = requireCommonJs('@npmcli/package-json')

export interface Removal {
  /** Locations (`node_modules/a/node_modules/b`) whose folder was removed. */
  folders: string[]
  /** Bin links removed, relative to the project (`node_modules/.bin/a`). */
  binLinks: string[]
}

const isWithin = (file: string, folder: string) => file === folder || file.startsWith(folder + path.sep)

/** Every `.bin` folder of the tree under `modules` (nested node_modules included). */
async function binFolders(modules: string): Promise<string[]> {
  const found: string[] = []
  const visit = async (folder: string): Promise<void> => {
    const entries = await readdir(folder, { withFileTypes: true }).catch(() => [])
    for (const entry of entries) {
      if (!entry.isDirectory()) continue
      const child = path.join(folder, entry.name)
      if (entry.name === '.bin') found.push(child)
      else if (entry.name.startsWith('@')) for (const scoped of await readdir(child).catch(() => [] as string[])) await visitPackage(path.join(child, scoped))
      else if (!entry.name.startsWith('.')) await visitPackage(child)
    }
  }
  const visitPackage = (folder: string) => visit(path.join(folder, 'node_modules'))
  await visit(modules)
  return found
}

/**
 * Removes the installed folders of these locations (only inside the project's
 * node_modules), the bin links that point into them, and
 * node_modules/.package-lock.json. Missing folders are skipped.
 */
export async function removeInstalledPackages(projectDir: string, locations: string[]): Promise<Removal> {
  const modules = path.join(projectDir, 'node_modules')
  const folders = [...new Set(locations)]
    .map((location) => ({ location, folder: path.resolve(projectDir, location) }))
    .filter(({ folder }) => isWithin(folder, modules) && folder !== modules)
  const removal: Removal = { folders: [], binLinks: [] }
  const removed = folders.map(({ folder }) => folder)
  for (const bin of await binFolders(modules)) {
    for (const entry of await readdir(bin).catch(() => [] as string[])) {
      const link = path.join(bin, entry)
      const stat = await lstat(link).catch(() => null)
      if (!stat?.isSymbolicLink()) continue
      const target = path.resolve(bin, await readlink(link))
      if (!removed.some((folder) => isWithin(target, folder))) continue
      await rm(link, { force: true })
      removal.binLinks.push(path.relative(projectDir, link).split(path.sep).join('/'))
    }
  }
  for (const { location, folder } of folders) {
    if (!(await lstat(folder).catch(() => null))) continue
    await rm(folder, { recursive: true, force: true })
    removal.folders.push(location)
  }
  // npm trusts its hidden lockfile over reading node_modules: it must not list what was removed.
  if (removal.folders.length > 0) await rm(path.join(modules, '.package-lock.json'), { force: true })
  return removal
}

/**
 * The install-time scripts of an installed package as npm runs them: from its
 * own package.json on disk (Arborist's hidden lockfile keeps only a flag),
 * with npm's implicit `node-gyp rebuild` for a binding.gyp.
 */
export async function installedInstallScripts(projectDir: string, location: string): Promise<string[]> {
  const folder = path.resolve(projectDir, location)
  const manifest = await PackageJson.load(folder).then((read) => read.content, () => null)
  if (!manifest) return []
  const scripts = manifest.scripts && typeof manifest.scripts === 'object' ? manifest.scripts : {}
  const events = ['preinstall', 'install', 'postinstall'].filter((event) => typeof scripts[event] === 'string' && scripts[event])
  if (!scripts.install && !scripts.preinstall && manifest.gypfile !== false && (await access(path.join(folder, 'binding.gyp')).then(() => true, () => false))) {
    events.push('install (node-gyp rebuild)')
  }
  return events
}
