import path from 'node:path'
import { redact } from '../model/redact.js'

/** Where output goes: every write passes through the one redactor. */
export interface Output {
  write(text: string): void
}

export interface Io {
  cwd: string
  env: NodeJS.ProcessEnv
  stdout: Output
  stderr: Output
  stdoutIsTTY: boolean
  stderrIsTTY: boolean
  /** Where answers to a prompt come from (approvals after a blocked install); none: never ask. */
  stdin?: NodeJS.ReadableStream
  stdinIsTTY?: boolean
  /** Width of the terminal on stderr, when it is one. */
  stderrColumns?: number
  /** Wait before the progress line is first drawn (npm's 200 ms by default; tests use 0). */
  progressDelayMs?: number
  /** The name the executable was run by (the basename of argv[1]): `npm` for a link named npm. */
  invokedAs?: string
}

/** A stream whose every write is redacted first: no command, format or error path prints a credential. */
export function redacting(stream: { write(text: string): unknown }): Output {
  return { write: (text: string) => void stream.write(redact(text)) }
}

export function processIo(): Io {
  // `safe-npm check --json | head`: a reader that goes away is not an error worth a stack trace.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0)
      throw error
    })
  }
  return {
    cwd: process.cwd(),
    env: process.env,
    stdout: redacting(process.stdout),
    stderr: redacting(process.stderr),
    stdoutIsTTY: Boolean(process.stdout.isTTY),
    stderrIsTTY: Boolean(process.stderr.isTTY),
    stdin: process.stdin,
    stdinIsTTY: Boolean(process.stdin.isTTY),
    stderrColumns: process.stderr.columns,
    invokedAs: path.basename(process.argv[1] ?? ''),
  }
}
