// What safe-npm remembers about the registries' optional endpoints, beside its
// feed caches: whether a registry has ever answered its bulk advisory endpoint
// (so a registry that does not offer it is a quiet note, while one that used to
// answer and now fails is an outage), when the note was last shown (once a
// day), and when it last said it does not offer the endpoint (asked again after a day).
import { mkdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { requireCommonJs } from '../model/commonjs.js'

const writeFileAtomic: typeof import('write-file-atomic') = requireCommonJs('write-file-atomic')

const NOTE_EVERY_MS = 86_400_000
const RECHECK_NOT_OFFERED_MS = 86_400_000

interface EndpointState {
  /** Last time the endpoint answered. */
  answeredAt?: string
  /** Last time a "not offered" note was shown. */
  notedAt?: string
  /** Last time the registry answered that it does not offer the endpoint. */
  notOfferedAt?: string
}

export class EndpointMemory {
  readonly #file: string
  #state: Record<string, EndpointState> = {}
  #isDirty = false

  constructor(cacheDir: string) {
    this.#file = path.join(cacheDir, 'endpoints.json')
  }

  async load(): Promise<this> {
    try {
      const parsed: unknown = JSON.parse(await readFile(this.#file, 'utf8'))
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
        for (const [key, value] of Object.entries(parsed)) {
          if (!value || typeof value !== 'object') continue
          const { answeredAt, notedAt, notOfferedAt } = value as Record<string, unknown>
          this.#state[key] = {
            ...(typeof answeredAt === 'string' ? { answeredAt } : {}),
            ...(typeof notedAt === 'string' ? { notedAt } : {}),
            ...(typeof notOfferedAt === 'string' ? { notOfferedAt } : {}),
          }
        }
      }
    } catch {
      // missing or damaged: nothing is remembered, which only makes the next note show
    }
    return this
  }

  hasAnswered(endpoint: string): boolean {
    return this.#state[endpoint]?.answeredAt !== undefined
  }

  markAnswered(endpoint: string, now: Date): void {
    const { notOfferedAt: _, ...state } = this.#state[endpoint] ?? {}
    this.#state[endpoint] = { ...state, answeredAt: now.toISOString() }
    this.#isDirty = true
  }

  markNotOffered(endpoint: string, now: Date): void {
    this.#state[endpoint] = { ...this.#state[endpoint], notOfferedAt: now.toISOString() }
    this.#isDirty = true
  }

  /**
   * When the registry said, less than a day before `now`, that it does not
   * offer the endpoint (and never answered it): it is not asked again until then.
   */
  notOfferedSince(endpoint: string, now: Date): Date | null {
    const state = this.#state[endpoint]
    if (!state?.notOfferedAt || state.answeredAt !== undefined) return null
    const since = new Date(state.notOfferedAt)
    const age = now.getTime() - since.getTime()
    return age >= 0 && age < RECHECK_NOT_OFFERED_MS ? since : null
  }

  /** True when the note about this endpoint has not been shown in the last day; marks it shown. */
  takeNote(endpoint: string, now: Date): boolean {
    const noted = this.#state[endpoint]?.notedAt
    if (noted && now.getTime() - new Date(noted).getTime() < NOTE_EVERY_MS) return false
    this.#state[endpoint] = { ...this.#state[endpoint], notedAt: now.toISOString() }
    this.#isDirty = true
    return true
  }

  async save(): Promise<void> {
    if (!this.#isDirty) return
    try {
      await mkdir(path.dirname(this.#file), { recursive: true })
      await writeFileAtomic(this.#file, `${JSON.stringify(this.#state, null, 2)}\n`)
    } catch {
      // a read-only cache only means the note shows again
    }
  }
}
