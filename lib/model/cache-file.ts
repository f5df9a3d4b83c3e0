// Writing the many small summaries of one run into a cache folder (a cold
// install writes one per packument and one per tarball, 1,800 for the bench
// app). write-file-atomic's work per file (a realpath done in JavaScript that
// lstats every folder of the path, a stat, an exit handler) and a recursive
// mkdir before each write cost the main thread about 0.9 s of CPU in the
// bench app's packument phase (CPU profile of a cold ci). Here each folder is
// made once per process, and each file is written under a name of its own
// and renamed over the old one: a reader never sees half a file, and two
// writers of the same file leave one whole copy.
import { mkdir, rename, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { threadId } from 'node:worker_threads'

const madeFolders = new Map<string, Promise<unknown>>()
let written = 0

function folderMade(folder: string, isRetry: boolean): Promise<unknown> {
  let made = madeFolders.get(folder)
  if (!made || isRetry) {
    made = mkdir(folder, { recursive: true })
    madeFolders.set(folder, made)
    made.catch(() => madeFolders.delete(folder))
  }
  return made
}

/** Replaces `file` with `text` atomically; the folder is made when missing. Throws when it cannot be written (callers treat caches as best effort). */
export async function writeCacheFile(file: string, text: string): Promise<void> {
  const temporary = `${file}.${process.pid}-${threadId}-${written++}.tmp`
  try {
    for (const isRetry of [false, true]) {
      await folderMade(path.dirname(file), isRetry)
      try {
        await writeFile(temporary, text, { flag: 'wx' })
        break
      } catch (error: any) {
        // The folder was removed since it was made (a cache cleared while safe-npm runs): made again, once.
        if (error?.code !== 'ENOENT' || isRetry) throw error
      }
    }
    await rename(temporary, file)
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => {})
    throw error
  }
}
