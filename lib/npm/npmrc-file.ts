// A project .npmrc edited line by line: a setting is changed where it stands
// or added at the end, every other line and comment stays as it was.
import { readFile } from 'node:fs/promises'
import { requireCommonJs } from '../model/commonjs.js'

const writeFileAtomic: typeof import('write-file-atomic') = requireCommonJs('write-file-atomic')

const SETTING = /^\s*([^=;#\s][^=]*?)\s*=\s*(.*?)\s*$/

export class NpmrcFile {
  readonly file: string
  #lines: string[]
  #endsWithNewline: boolean

  private constructor(file: string, text: string) {
    this.file = file
    this.#endsWithNewline = text === '' || text.endsWith('\n')
    this.#lines = text === '' ? [] : text.replace(/\r?\n$/, '').split(/\r?\n/)
  }

  /** The file as it is, or an empty one when it does not exist. */
  static async read(file: string): Promise<NpmrcFile> {
    const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return ''
      throw error
    })
    return new NpmrcFile(file, text)
  }

  /** Index of the line that sets `key` last (the one npm's ini parser keeps), or -1. */
  #indexOf(key: string): number {
    for (let index = this.#lines.length - 1; index >= 0; index--) {
      if (SETTING.exec(this.#lines[index])?.[1] === key) return index
    }
    return -1
  }

  /** The value the file gives `key` (quotes taken off), or null when it does not set it. */
  get(key: string): string | null {
    const index = this.#indexOf(key)
    if (index < 0) return null
    const value = SETTING.exec(this.#lines[index])![2]
    return /^(["']).*\1$/.test(value) ? value.slice(1, -1) : value
  }

  set(key: string, value: string): void {
    const index = this.#indexOf(key)
    const line = `${key}=${value}`
    if (index >= 0) this.#lines[index] = line
    else this.#lines.push(line)
  }

  text(): string {
    return this.#lines.join('\n') + (this.#lines.length > 0 && this.#endsWithNewline ? '\n' : '')
  }

  async save(): Promise<void> {
    await writeFileAtomic(this.file, this.text())
  }
}
