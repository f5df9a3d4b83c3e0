// The one place expected failures become text: one line, no stack trace.
import { EXIT, SafeNpmError } from '../errors.js'
import { redact } from '../model/redact.js'
import type { Io } from './io.js'

export function renderError(error: unknown, io: Io): number {
  if (error instanceof SafeNpmError) {
    io.stderr.write(`safe-npm: error ${error.code}: ${redact(error.message)}\n`)
    return error.exitCode
  }
  const err = error as Error
  io.stderr.write(`safe-npm: internal error: ${redact(err?.message ?? String(error))}\n`)
  if (io.env.SAFE_NPM_DEBUG) io.stderr.write(`${redact(err?.stack ?? '')}\n`)
  else io.stderr.write('This is a bug in safe-npm: please report it with SAFE_NPM_DEBUG=1 set to include the stack trace.\n')
  return EXIT.internal
}
