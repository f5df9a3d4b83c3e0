// Arborist writes package.json and the lockfiles in place (truncate, then
// write): a full disk leaves them cut short or empty, and every later run
// fails on them. So their bytes are kept before reify and put back, atomically,
// when reify fails or leaves one that does not parse.
import { readFile, rm } from 'node:fs/promises'
import path from 'node:path'
import { requireCommonJs } from '../model/commonjs.js'

const writeFileAtomic: typeof import('write-file-atomic') = requireCommonJs('write-file-atomic')

/** Lockfiles and manifests the project keeps; the hidden lockfile is only a cache of node_modules. */
const KEPT = ['package.json', 'package-lock.json', 'npm-shrinkwrap.json']
const HIDDEN_LOCKFILE = path.join('node_modules', '.package-lock.json')

const isOutOfSpace = (error: any) => error?.code === 'ENOSPC' || error?.code === 'EDQUOT'

async function readBytes(file: string): Promise<Buffer | null> {
  try {
    return await readFile(file)
  } catch {
    return null
  }
}

export class ProjectFilesBackup {
  /** Absolute path → the bytes before reify (null: the file did not exist). */
  readonly #kept = new Map<string, Buffer | null>()
  readonly #hiddenLockfile: string
  #hiddenBytes: Buffer | null = null

  private constructor(projectDir: string) {
    this.#hiddenLockfile = path.join(projectDir, HIDDEN_LOCKFILE)
  }

  /** Reads the files of the project (and of its workspaces, whose package.json Arborist may rewrite too). */
  static async take(projectDir: string, workspaceDirs: string[] = []): Promise<ProjectFilesBackup> {
    const backup = new ProjectFilesBackup(projectDir)
    const files = [...KEPT.map((name) => path.join(projectDir, name)), ...workspaceDirs.map((dir) => path.join(dir, 'package.json'))]
    for (const file of files) backup.#kept.set(file, await readBytes(file))
    backup.#hiddenBytes = await readBytes(backup.#hiddenLockfile)
    return backup
  }

  /** Kept files that were written and do not parse as JSON (a write that was cut short). */
  async unparsable(): Promise<string[]> {
    const broken: string[] = []
    for (const [file, before] of this.#kept) {
      const bytes = await readBytes(file)
      if (bytes === null || (before !== null && before.equals(bytes))) continue
      try {
        JSON.parse(bytes.toString('utf8'))
      } catch {
        broken.push(file)
      }
    }
    return broken
  }

  /**
   * Puts every kept file back as it was and drops a hidden lockfile that
   * changed (npm then reads node_modules itself, as it does when that file is
   * missing). Returns what could not be restored, as "file: reason".
   */
  async restore(): Promise<string[]> {
    const problems: string[] = []
    for (const [file, before] of this.#kept) {
      const now = await readBytes(file)
      if (before === null ? now === null : now !== null && before.equals(now)) continue
      try {
        if (before === null) await rm(file, { force: true })
        else await writeBack(file, before)
      } catch (error) {
        problems.push(`${path.basename(file)}: ${(error as Error).message}`)
      }
    }
    const hidden = await readBytes(this.#hiddenLockfile)
    if (hidden !== null && !(this.#hiddenBytes !== null && hidden.equals(this.#hiddenBytes))) {
      await rm(this.#hiddenLockfile, { force: true }).catch((error: Error) => problems.push(`${HIDDEN_LOCKFILE}: ${error.message}`))
    }
    return problems
  }
}

/**
 * Atomically: the file holds either its old bytes or (only when even that
 * fails) nothing, never a part. On a full disk the temporary copy may not fit
 * while the broken file still holds its blocks, so that file goes first.
 */
async function writeBack(file: string, bytes: Buffer): Promise<void> {
  try {
    await writeFileAtomic(file, bytes)
  } catch (error) {
    if (!isOutOfSpace(error)) throw error
    await rm(file, { force: true })
    await writeFileAtomic(file, bytes)
  }
}
