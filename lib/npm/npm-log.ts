// npm's libraries never print: Arborist, pacote and tar (through pacote) log
// with proc-log, which emits `process.emit('log', level, title, ...args)`, and
// npm's CLI is what shows the warn and error ones. safe-npm listens for the
// duration of its Arborist work and keeps them as data. Among them are the
// tarball entries pacote could not write: tar runs with `strict` off, so a
// failed write (ENOSPC, EIO) is only a `tar TAR_ENTRY_ERROR` warning and the
// extraction itself succeeds with the file missing or cut short.
import { join } from 'node:path'
import { formatWithOptions } from 'node:util'
import { explainConflict, isConflictExplanation } from './explain-resolution.js'

export interface NpmWarning {
  level: 'warn' | 'error'
  /** The word npm prints after the level: `tar`, `deprecated`, `ERESOLVE`, `cleanup`, … */
  title: string
  /** The code at the start of the message, when it has one (`TAR_ENTRY_ERROR`). */
  code?: string
  message: string
}

export interface ExtractionError {
  /** tar's code: `TAR_ENTRY_ERROR` (could not be written) or `TAR_ENTRY_INVALID` (unreadable entry). */
  code: string
  /** The system error behind it (`ENOSPC`, `EIO`, …), when there is one. */
  errno?: string
  message: string
  /** The folder the tarball was extracted into (the package's folder), when pacote said. */
  directory?: string
  /** The entry's absolute path, when tar said. */
  file?: string
  /**
   * The Arborist step started last (its `time` event), e.g.
   * `idealTree:node_modules/foo` while a tarball is opened to be judged, when
   * the folder is a temporary one.
   */
  step?: string
}

/** The tar codes after which a package is on disk incomplete. */
const EXTRACTION_ERROR_CODES = new Set(['TAR_ENTRY_ERROR', 'TAR_ENTRY_INVALID'])
const CODE = /^[A-Z][A-Z0-9_]+$/

/** Plain data (objects, arrays) copied with nested errors as their message and class instances (Arborist nodes, edges) left out. */
function toPrintable(value: unknown, depth = 0): unknown {
  if (value instanceof Error) return (value as { code?: unknown }).code ? `${String((value as { code?: unknown }).code)}: ${value.message}` : value.message
  if (typeof value !== 'object' || value === null) return value
  if (depth > 4) return undefined
  if (Array.isArray(value)) return value.map((item) => toPrintable(item, depth + 1)).filter((item) => item !== undefined)
  const prototype = Object.getPrototypeOf(value)
  if (prototype !== Object.prototype && prototype !== null) return undefined
  const copy: Record<string, unknown> = {}
  for (const [key, item] of Object.entries(value)) {
    const printable = toPrintable(item, depth + 1)
    if (printable !== undefined) copy[key] = printable
  }
  return copy
}

/**
 * The message as npm's CLI prints it: strings and numbers as they are, errors
 * by their message, plain data (EBADENGINE's `{ package, required, current }`)
 * inspected; class instances (Arborist nodes, edges) are left out, and an
 * ERESOLVE explanation becomes npm's lines about the conflict.
 */
function printable(args: unknown[]): string {
  const explanation = args.find(isConflictExplanation)
  const parts = args
    .filter((arg) => !isConflictExplanation(arg))
    .map((arg) => toPrintable(arg))
    .filter((arg) => arg !== undefined)
  const text = formatWithOptions({ colors: false, depth: 4, breakLength: 100 }, ...parts).trim()
  return explanation ? [text, ...explainConflict(explanation)].join('\n').trim() : text
}

export class NpmLogCapture {
  readonly warnings: NpmWarning[] = []
  readonly extractionErrors: ExtractionError[] = []
  #depth = 0
  #step: string | undefined
  readonly #listener = (level: unknown, ...args: unknown[]) => this.#record(level, args)
  readonly #timeListener = (event: unknown, name: unknown) => {
    if (event === 'start' && typeof name === 'string') this.#step = name
  }

  /** Collects what npm's libraries log while `work` runs. */
  async during<T>(work: () => Promise<T>): Promise<T> {
    if (this.#depth++ === 0) process.on('log', this.#listener).on('time', this.#timeListener)
    try {
      return await work()
    } finally {
      if (--this.#depth === 0) process.off('log', this.#listener).off('time', this.#timeListener)
    }
  }

  #record(level: unknown, args: unknown[]): void {
    const [title, ...rest] = args
    if (typeof title !== 'string') return
    if (level === 'warn' || level === 'error') {
      const code = typeof rest[0] === 'string' && CODE.test(rest[0]) ? rest[0] : undefined
      const message = printable(code ? rest.slice(1) : rest)
      this.warnings.push({ level, title, ...(code ? { code } : {}), message })
      if (title === 'tar' && code && EXTRACTION_ERROR_CODES.has(code)) {
        this.extractionErrors.push({ code, message, ...(this.#step ? { step: this.#step } : {}) })
      }
      return
    }
    // pacote follows each tar warning with a silly line carrying tar's data:
    // the error (with its errno), the extraction folder and the entry.
    if (level === 'silly' && title === 'tar' && typeof rest[0] === 'string' && EXTRACTION_ERROR_CODES.has(rest[0])) {
      const latest = this.extractionErrors.at(-1)
      const data = rest[2] as { code?: unknown; cwd?: unknown; entry?: { path?: unknown; absolute?: unknown } } | undefined
      if (!latest || latest.directory !== undefined || typeof data !== 'object' || data === null) return
      if (typeof data.code === 'string' && data.code !== latest.code) latest.errno = data.code
      if (typeof data.cwd === 'string') latest.directory = data.cwd
      const entry = data.entry
      if (typeof entry?.absolute === 'string') latest.file = entry.absolute
      else if (typeof entry?.path === 'string' && typeof data.cwd === 'string') latest.file = join(data.cwd, entry.path)
    }
  }
}
