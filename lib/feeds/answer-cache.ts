// What a live feed (the registry's bulk advisory endpoint, the OSV API) said
// about each package version, kept beside the other feed caches: one file per
// feed (its endpoint), one entry per `name@version` with the time it was
// asked. A tree whose versions were all asked within the max age asks
// nothing; a version asked longer ago is asked again. Entries older than
// PRUNE_AFTER_MS are dropped when the file is written, so it stays small.
import { createHash } from 'node:crypto'
import { mkdir, readFile, rm } from 'node:fs/promises'
import path from 'node:path'
import { requireCommonJs } from '../model/commonjs.js'

const writeFileAtomic: typeof import('write-file-atomic') = requireCommonJs('write-file-atomic')

const FORMAT = 1
const PRUNE_AFTER_MS = 30 * 86_400_000

interface Entry<T> {
  askedAt: string
  answer: T
}

export interface CachedAnswer<T> {
  answer: T
  askedAt: Date
}

export class FeedAnswerCache<T> {
  readonly #file: string
  readonly #feed: string
  #entries: Record<string, Entry<T>> = {}
  #isDirty = false

  constructor(cacheDir: string, feed: string) {
    this.#feed = feed
    this.#file = answerCacheFile(cacheDir, feed)
  }

  async load(isValid: (answer: unknown) => answer is T): Promise<this> {
    try {
      const stored = JSON.parse(await readFile(this.#file, 'utf8'))
      if (stored?.format !== FORMAT || stored.feed !== this.#feed || !stored.entries || typeof stored.entries !== 'object') return this
      for (const [key, entry] of Object.entries<any>(stored.entries)) {
        if (typeof entry?.askedAt === 'string' && !Number.isNaN(Date.parse(entry.askedAt)) && isValid(entry.answer)) this.#entries[key] = entry
      }
    } catch {
      // missing or damaged: every version is asked again
    }
    return this
  }

  /** The answer for `key` and when it was given, whatever its age. */
  get(key: string): CachedAnswer<T> | undefined {
    const entry = this.#entries[key]
    return entry ? { answer: entry.answer, askedAt: new Date(entry.askedAt) } : undefined
  }

  /** The answer for `key` when it was given less than `maxAgeMs` before `now`. */
  fresh(key: string, now: Date, maxAgeMs: number): T | undefined {
    const entry = this.get(key)
    if (!entry) return undefined
    const age = now.getTime() - entry.askedAt.getTime()
    return age >= 0 && age < maxAgeMs ? entry.answer : undefined
  }

  set(key: string, answer: T, now: Date): void {
    this.#entries[key] = { askedAt: now.toISOString(), answer }
    this.#isDirty = true
  }

  async save(now: Date): Promise<void> {
    if (!this.#isDirty) return
    for (const [key, entry] of Object.entries(this.#entries)) {
      if (now.getTime() - Date.parse(entry.askedAt) > PRUNE_AFTER_MS) delete this.#entries[key]
    }
    try {
      await mkdir(path.dirname(this.#file), { recursive: true })
      await writeFileAtomic(this.#file, JSON.stringify({ format: FORMAT, feed: this.#feed, entries: this.#entries }), { fsync: false })
    } catch {
      // an unwritable cache only means the next run asks again
    }
  }
}

function answerCacheFile(cacheDir: string, feed: string): string {
  return path.join(cacheDir, 'feed-answers', `${createHash('sha256').update(feed).digest('hex').slice(0, 32)}.json`)
}

/** Forgets every answer of this feed (`safe-npm intel update`). */
export async function dropFeedAnswers(cacheDir: string, feed: string): Promise<void> {
  await rm(answerCacheFile(cacheDir, feed), { force: true })
}
