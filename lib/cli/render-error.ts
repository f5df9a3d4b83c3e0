// The one place expected failures become text: one line, no stack trace.
import { redactLog } from '@npmcli/redact'
import { EXIT, SafeNpmError } from '../errors.js'
import type { Io } from './io.js'

export function renderError(error: unknown, io: Io): number {
  if (error instanceof SafeNpmError) {
    io.stderr.write(`safe-npm: error ${error.code}: ${redactLog(error.message)}\n`)
    return error.exitCode
  }
  const err = error as Error
  io.stderr.write(`safe-npm: internal error: ${redactLog(err?.message ?? String(error))}\n`)
  if (io.env.SAFE_NPM_DEBUG) io.stderr.write(`${err?.stack ?? ''}\n`)
  else io.stderr.write('This is a bug in safe-npm: please report it with SAFE_NPM_DEBUG=1 set to include the stack trace.\n')
  return EXIT.internal
}
