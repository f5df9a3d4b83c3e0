// The one place expected failures become text: one line, no stack trace
// (npm's own explanation lines under it, where there are some). With a machine
// format, stdout also gets the error as one JSON document.
import { EXIT, SafeNpmError } from '../errors.js'
import { redact } from '../model/redact.js'
import type { Io } from './io.js'

function writeJsonError(io: Io, error: { code: string; message: string; exitCode: number; detail?: string[] }): void {
  const document = { schemaVersion: 1, result: 'error', error: { code: error.code, message: error.message, exitCode: error.exitCode, detail: error.detail ?? [] } }
  io.stdout.write(`${JSON.stringify(document, null, 2)}\n`)
}

export function renderError(error: unknown, io: Io, isMachineOutput = false): number {
  if (error instanceof SafeNpmError) {
    io.stderr.write(`safe-npm: error ${error.code}: ${redact(error.message)}\n`)
    for (const line of error.detail) io.stderr.write(`safe-npm: error ${line}\n`)
    if (isMachineOutput) writeJsonError(io, error)
    return error.exitCode
  }
  const err = error as Error
  const message = err?.message ?? String(error)
  io.stderr.write(`safe-npm: internal error: ${redact(message)}\n`)
  if (io.env.SAFE_NPM_DEBUG) io.stderr.write(`${redact(err?.stack ?? '')}\n`)
  else io.stderr.write('This is a bug in safe-npm: please report it with SAFE_NPM_DEBUG=1 set to include the stack trace.\n')
  if (isMachineOutput) writeJsonError(io, { code: 'EINTERNAL', message, exitCode: EXIT.internal })
  return EXIT.internal
}
