import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

let version: string | undefined

/**
 * safe-npm's own version, from the nearest package.json named safe-npm above
 * this file: the package root is two folders up from lib/cli/ when run from
 * source (tsx) and three from dist/lib/cli/ in the build.
 */
export function safeNpmVersion(): string {
  if (version !== undefined) return version
  let dir = path.dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const manifest = readManifest(path.join(dir, 'package.json'))
    if (manifest?.name === 'safe-npm' && typeof manifest.version === 'string') return (version = manifest.version)
    const parent = path.dirname(dir)
    if (parent === dir) throw new Error(`no package.json of safe-npm above ${fileURLToPath(import.meta.url)}`)
    dir = parent
  }
}

function readManifest(file: string): { name?: unknown; version?: unknown } | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8'))
  } catch {
    return null // none here, or not ours to read: keep climbing
  }
}
