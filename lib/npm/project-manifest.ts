// What the engine reads from the project's own package.json files, read the
// way npm reads them (@npmcli/package-json).
import path from 'node:path'
import { UsageError } from '../errors.js'
import { requireCommonJs } from '../model/commonjs.js'

const PackageJson: typeof import('@npmcli/package-json') = requireCommonJs('@npmcli/package-json')

async function contentOf(dir: string): Promise<Record<string, any> | null> {
  return PackageJson.load(dir).then(
    (read) => read.content,
    () => null,
  )
}

/** The project's `allowScripts` (npm approve-scripts): name → allowed, booleans only; null when it has none. */
export async function readNpmAllowScripts(projectDir: string): Promise<Record<string, boolean> | null> {
  // An unreadable package.json is reported where the tree is loaded.
  const field = (await contentOf(projectDir))?.allowScripts
  if (!field || typeof field !== 'object' || Array.isArray(field)) return null
  return Object.fromEntries(Object.entries(field).filter(([, value]) => typeof value === 'boolean')) as Record<string, boolean>
}

/** -w takes a workspace's name or its folder, as npm does; Arborist wants names. */
export async function workspaceNames(values: string[], projectDir: string): Promise<string[]> {
  return Promise.all(
    values.map(async (value) => {
      const name = (await contentOf(path.resolve(projectDir, value)))?.name
      return typeof name === 'string' ? name : value
    }),
  )
}

/** The project's package.json as written (not normalised), or null when there is none; invalid JSON throws EJSONPARSE. */
export async function loadProjectManifest(projectDir: string): Promise<Record<string, any> | null> {
  try {
    return (await PackageJson.load(projectDir)).content
  } catch (error: any) {
    if (error?.code === 'ENOENT') return null
    throw new UsageError(`package.json: invalid JSON: ${String(error?.message ?? error).split('\n')[0]}`, 'EJSONPARSE')
  }
}

/** Sets these top-level fields of the project's package.json, keeping its indentation, line endings and every other field. */
export async function updateProjectManifest(projectDir: string, fields: Record<string, unknown>): Promise<void> {
  const manifest = await PackageJson.load(projectDir)
  manifest.update(fields)
  await manifest.save()
}
