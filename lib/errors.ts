// Expected failures are typed errors with a stable code and an exit code; the
// CLI renders them in one place (lib/cli/render-error.ts) as one line.

export const EXIT = {
  clean: 0,
  blocked: 1,
  usage: 2,
  npm: 3,
  internal: 70,
} as const

export class SafeNpmError extends Error {
  readonly code: string
  readonly exitCode: number
  /** Explanation lines shown under the one-line error (npm's own, for ERESOLVE). */
  detail: string[] = []
  constructor(message: string, code: string, exitCode: number) {
    super(message)
    this.name = 'SafeNpmError'
    this.code = code
    this.exitCode = exitCode
  }
}

/** An error as one line: its code, then the first line of its message. */
export function describeError(error: unknown): string {
  const err = error as { code?: string; message?: string }
  return `${err?.code ? `${err.code}: ` : ''}${String(err?.message ?? error).split('\n')[0]}`
}

/**
 * Bad arguments, package.json, lockfile or configuration: exit 2. Codes
 * include EUSAGE, EPACKAGEJSON (package.json is not JSON or a field npm
 * resolves from has the wrong shape) and ELOCKFILE (package-lock.json or
 * npm-shrinkwrap.json is not JSON or has the wrong shape); each message names
 * the file and the field.
 */
export class UsageError extends SafeNpmError {
  constructor(message: string, code = 'EUSAGE') {
    super(message, code, EXIT.usage)
  }
}

/** npm or Arborist failed (resolution, network, reify): exit 3. */
export class NpmFailure extends SafeNpmError {
  constructor(message: string, code = 'ENPM') {
    super(message, code, EXIT.npm)
  }
}
