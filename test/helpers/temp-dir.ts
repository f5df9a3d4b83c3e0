// Folders a test makes under the system's temp folder, removed when the test
// process exits, so a suite's caches and projects do not pile up in /tmp.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'

const made: string[] = []
let isCleanupRegistered = false

/** A new empty folder named `<prefix>XXXXXX`, removed at process exit. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix))
  made.push(dir)
  if (!isCleanupRegistered) {
    isCleanupRegistered = true
    process.on('exit', () => {
      for (const folder of made) rmSync(folder, { recursive: true, force: true })
    })
  }
  return dir
}
