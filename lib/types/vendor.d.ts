// Minimal typings for npm's own libraries, which ship none. Only what
// safe-npm touches is declared; the Arborist surface stays inside lib/npm/.
declare module '@npmcli/config' {
  class Config {
    constructor(options: Record<string, unknown>)
    load(): Promise<void>
    loadDefaults(): void
    loadCLI(): void
    get(key: string, where?: string): any
    find(key: string): string | null
    get flat(): Record<string, any>
    get valid(): boolean
    /** Prints (through proc-log) the warnings queued while loading with `warn: false`. */
    logWarnings(): void
    localPrefix: string
    globalPrefix: string
    parsedArgv: { remain: string[]; cooked: string[]; original: string[] }
    data: Map<string, { source: string; data: Record<string, unknown>; loadError?: Error }>
  }
  export = Config
}
declare module '@npmcli/config/lib/definitions/index.js' {
  const npmDefinitions: {
    definitions: Record<string, unknown>
    shorthands: Record<string, string[]>
    flatten: (obj: unknown, flat?: unknown) => unknown
  }
  export = npmDefinitions
}
declare module '@npmcli/arborist' {
  const Arborist: any
  export = Arborist
}
declare module '@npmcli/arborist/lib/diff.js' {
  const Diff: { calculate(options: { actual: any; ideal: any }): any }
  export = Diff
}
declare module '@npmcli/arborist/lib/packument-cache.js' {
  const PackumentCache: any
  export = PackumentCache
}
declare module '@npmcli/run-script' {
  const runScript: (options: Record<string, unknown>) => Promise<unknown>
  export = runScript
}
declare module 'pacote' {
  export function packument(spec: string, options: Record<string, unknown>): Promise<any>
  export function manifest(spec: string, options: Record<string, unknown>): Promise<any>
  /** Unpacks the package into `dest` (reify's call for every package it writes). */
  export function extract(spec: string, dest: string, options: Record<string, unknown>): Promise<unknown>
  export const tarball: {
    /** The whole tarball (integrity checked); the Buffer carries the `integrity` and `resolved` pacote verified. */
    (spec: string, options: Record<string, unknown>): Promise<Buffer & { integrity: string; resolved: string }>
    /** Streams the tarball (integrity checked as it is read) into `handler`; resolves with what the handler resolves. */
    stream<T>(spec: string, handler: (stream: any) => Promise<T>, options: Record<string, unknown>): Promise<T>
  }
}
declare module 'npm-registry-fetch' {
  const npmFetch: {
    (path: string, options: Record<string, unknown>): Promise<any>
    json(path: string, options: Record<string, unknown>): Promise<any>
    /** The registry a spec is fetched from: its scope's `@scope:registry`, else `registry`. */
    pickRegistry(spec: unknown, options: Record<string, unknown>): string
  }
  export = npmFetch
}
declare module 'cacache' {
  export const index: {
    /** The newest index entry under this key, or null. */
    find(cache: string, key: string): Promise<{ key: string; integrity: string } | null>
  }
}
declare module '@npmcli/agent' {
  /** npm's connection agent (keep-alive pools, proxies, timeouts). */
  export class Agent {
    constructor(options: Record<string, unknown>)
  }
}
declare module '@npmcli/redact' {
  /** Masks npm tokens and URL passwords in text. */
  export function redactLog(text: string): string
}
declare module '@npmcli/package-json' {
  /** npm's package.json reader; errors carry a code (ENOENT, EJSONPARSE). */
  class PackageJson {
    /** Read and parsed as npm reads it (read-package-json-fast's normalisation). */
    static normalize(path: string, options?: Record<string, unknown>): Promise<PackageJson>
    static load(path: string, options?: Record<string, unknown>): Promise<PackageJson>
    get content(): Record<string, any>
    /** Sets these top-level fields (the rest of the file stays as it is). */
    update(content: Record<string, unknown>): PackageJson
    /** Writes the file back with its own indentation and line endings. */
    save(): Promise<void>
  }
  export = PackageJson
}
declare module 'npm-install-checks' {
  /** Throws EBADPLATFORM when the manifest's os, cpu or libc exclude this machine. */
  export function checkPlatform(manifest: Record<string, unknown>, force?: boolean, environment?: Record<string, string>): void
}
