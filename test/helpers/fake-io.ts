// An Io for main() in-process: every write kept in order, with its stream.
import type { Io } from '../../lib/cli/io.ts'

export interface FakeIo extends Io {
  /** Every write in order, with its stream. */
  writes: Array<['stdout' | 'stderr', string]>
  out(): string
  err(): string
}

export function fakeIo(cwd: string, env: NodeJS.ProcessEnv, tty: Partial<Pick<Io, 'stdoutIsTTY' | 'stderrIsTTY'>> = {}): FakeIo {
  const writes: FakeIo['writes'] = []
  return {
    cwd,
    env,
    stdout: { write: (text) => void writes.push(['stdout', text]) },
    stderr: { write: (text) => void writes.push(['stderr', text]) },
    stdoutIsTTY: tty.stdoutIsTTY ?? false,
    stderrIsTTY: tty.stderrIsTTY ?? false,
    stderrColumns: 200,
    progressDelayMs: 0,
    writes,
    out: () => writes.filter(([stream]) => stream === 'stdout').map(([, text]) => text).join(''),
    err: () => writes.filter(([stream]) => stream === 'stderr').map(([, text]) => text).join(''),
  }
}
