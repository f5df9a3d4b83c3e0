// Plain deny-list files: one `name` or `name@range` a line, `#` comments.
//
//   # incident 2018-11
//   event-stream@3.3.6
//   flatmap-stream
//   @evil/toolkit@>=1.2.0 <1.4.0   # trailing comments too

import { IntelError } from './errors.js'
import { requireCommonJs } from '../model/commonjs.js'

const semver: typeof import('semver') = requireCommonJs('semver')

export interface DenyListEntry {
  name: string
  /** A semver range; null denies every version. */
  range: string | null
  /** File (or URL) and line the entry came from, for the report. */
  source: string
  line: number
}

// The registry's rules for new names, loosened for legacy capitals.
const PACKAGE_NAME = /^(?:@[a-z0-9][\w.~-]*\/)?[a-z0-9][\w.~-]*$/i

export function parseDenyList(text: string, source: string): DenyListEntry[] {
  const entries: DenyListEntry[] = []
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1
    const content = raw.replace(/(^|\s)#.*$/, '').trim()
    if (content === '') return
    const at = content.indexOf('@', 1)
    const name = at === -1 ? content : content.slice(0, at).trim()
    const range = at === -1 ? null : content.slice(at + 1).trim()
    if (!PACKAGE_NAME.test(name) || name.length > 214) {
      throw new IntelError('EDENYLISTPARSE', `${source}:${line}: not a package name: ${JSON.stringify(name)}`)
    }
    if (range !== null && (range === '' || semver.validRange(range) === null)) {
      throw new IntelError('EDENYLISTPARSE', `${source}:${line}: not a semver range: ${JSON.stringify(range)}`)
    }
    entries.push({ name, range, source, line })
  })
  return entries
}

/** Deny-list entries by package name, for one look-up per package. */
export class DenyList {
  readonly #byName = new Map<string, DenyListEntry[]>()

  constructor(entries: Iterable<DenyListEntry> = []) {
    this.add(entries)
  }

  add(entries: Iterable<DenyListEntry>): this {
    for (const entry of entries) {
      const known = this.#byName.get(entry.name)
      if (known === undefined) this.#byName.set(entry.name, [entry])
      else known.push(entry)
    }
    return this
  }

  /** The entries that deny `name` at `version`; empty when none. */
  lookup(name: string, version: string): DenyListEntry[] {
    return (this.#byName.get(name) ?? []).filter((entry) =>
      entry.range === null || semver.satisfies(version, entry.range, { includePrerelease: true }))
  }
}
