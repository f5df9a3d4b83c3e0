// Expected failures of the threat-intelligence modules, as SafeNpmErrors with
// a stable code so the CLI renders them in its one place (lib/cli/render-error.ts).

import { EXIT, SafeNpmError } from '../errors.js'

export type IntelErrorCode =
  /** An OSV document does not have the shape of the OSV schema. */
  | 'EOSVPARSE'
  /** An OSV dataset zip archive cannot be read. */
  | 'EOSVZIP'
  /** The OSV API answered with an error or with something unreadable, or could not be reached. */
  | 'EOSVQUERY'
  /** A registry bulk-advisory answer does not have the expected shape. */
  | 'EADVISORYPARSE'
  /** A line of a deny-list file is not `name` or `name@range`. */
  | 'EDENYLISTPARSE'
  /** A feed URL is plain http (or another scheme) on a host that is not loopback. */
  | 'EINSECUREURL'
  /** A feed could not be fetched and no cached copy exists. */
  | 'EFEEDUNREACHABLE'

// Bad files or settings the user gave are usage errors (exit 2); feeds that
// could not be read are failures of the outside world (exit 3, like npm's own).
const EXIT_CODE: Record<IntelErrorCode, number> = {
  EOSVPARSE: EXIT.usage,
  EOSVZIP: EXIT.usage,
  EDENYLISTPARSE: EXIT.usage,
  EINSECUREURL: EXIT.usage,
  EOSVQUERY: EXIT.npm,
  EADVISORYPARSE: EXIT.npm,
  EFEEDUNREACHABLE: EXIT.npm,
}

export class IntelError extends SafeNpmError {
  declare readonly code: IntelErrorCode

  constructor(code: IntelErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, code, EXIT_CODE[code])
    this.name = 'IntelError'
    if (options?.cause !== undefined) this.cause = options.cause
  }
}

export function isIntelError(error: unknown, code?: IntelErrorCode): error is IntelError {
  return error instanceof IntelError && (code === undefined || error.code === code)
}
