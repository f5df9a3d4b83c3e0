// What the engine reads from the project's own package.json files, read the
// way npm reads them (@npmcli/package-json).
import PackageJson from '@npmcli/package-json'
import path from 'node:path'

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
