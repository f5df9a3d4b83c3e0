// Progress on a terminal, as npm 11 shows it: one spinner line on stderr,
// drawn only when stderr is a TTY and npm's `progress` setting is on (its
// default: on unless in CI, with stdout and stderr both terminals and TERM not
// dumb), never at --loglevel silent/error and never with a machine format.
// The engine prints nothing while it runs, so the line is only erased when it
// ends (before the report or an error is written) and when it hands the
// terminal to the project's own scripts.
import type { Io, Output } from './io.js'

/** npm's own spinners (display.js): dots when unicode is on, else a turning line. */
const DOTS = { frameMs: 80, frames: ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'] }
const LINES = { frameMs: 130, frames: ['-', '\\', '|', '/'] }
/** As npm: nothing is drawn for work shorter than this. */
const DELAY_MS = 200
const ERASE = '\r\x1b[K'

export interface PhaseCount {
  done: number
  total: number
}

export interface ProgressOptions {
  unicode?: boolean
  /** Wait this long before the first frame (default 200 ms, as npm). */
  delayMs?: number
  /** Columns of the terminal: the line is cut to fit so that erasing it erases all of it. */
  columns?: number
}

export class ProgressLine {
  readonly #stream: Output
  readonly #frames: readonly string[]
  readonly #frameMs: number
  readonly #columns: number
  #text = ''
  #frame = 0
  #isDrawn = false
  #isWaiting: boolean
  #isStopped = false
  #delay: NodeJS.Timeout | null = null
  #ticker: NodeJS.Timeout | null = null

  constructor(stream: Output, options: ProgressOptions = {}) {
    this.#stream = stream
    const spinner = options.unicode ? DOTS : LINES
    this.#frames = spinner.frames
    this.#frameMs = spinner.frameMs
    // A pty may report 0 columns: then the usual 80.
    this.#columns = options.columns ? Math.max(20, options.columns) : 80
    const delayMs = options.delayMs ?? DELAY_MS
    this.#isWaiting = delayMs > 0
    if (this.#isWaiting) {
      this.#delay = setTimeout(() => {
        this.#isWaiting = false
        this.#draw()
      }, delayMs)
      this.#delay.unref()
    }
  }

  /** The phase now running, with its count when known: `gathering facts for 340 packages (12/340)`. */
  update(text: string, count?: PhaseCount): void {
    if (this.#isStopped) return
    this.#text = count ? `${text} (${count.done}/${count.total})` : text
    this.#draw()
  }

  /** Erases the line and draws no more. */
  stop(): void {
    this.#isStopped = true
    if (this.#delay) clearTimeout(this.#delay)
    if (this.#ticker) clearInterval(this.#ticker)
    this.#delay = this.#ticker = null
    this.#erase()
  }

  #draw(): void {
    if (this.#isStopped || this.#isWaiting || this.#text === '') return
    const line = `${this.#frames[this.#frame]} safe-npm: ${this.#text}`
    const fitted = line.length >= this.#columns ? `${line.slice(0, this.#columns - 2)}…` : line
    this.#stream.write(`${ERASE}${fitted}`)
    this.#isDrawn = true
    if (!this.#ticker) {
      this.#ticker = setInterval(() => {
        this.#frame = (this.#frame + 1) % this.#frames.length
        this.#draw()
      }, this.#frameMs)
      this.#ticker.unref()
    }
  }

  #erase(): void {
    if (!this.#isDrawn) return
    this.#stream.write(ERASE)
    this.#isDrawn = false
  }
}

export interface ProgressSettings {
  /** npm's `progress` setting, when something set it (flag, environment, .npmrc); undefined for npm's default. */
  progress: boolean | undefined
  loglevel: string
  isMachineOutput: boolean
}

const isSet = (value: string | undefined) => value !== undefined && value !== '' && value !== 'false' && value !== '0'

/** Whether to draw progress at all (see the top of this file). */
export function isProgressShown(io: Io, settings: ProgressSettings): boolean {
  if (!io.stderrIsTTY || settings.isMachineOutput) return false
  if (settings.loglevel === 'silent' || settings.loglevel === 'error') return false
  if (settings.progress !== undefined) return settings.progress
  return !isSet(io.env.CI) && io.stdoutIsTTY && io.env.TERM !== 'dumb'
}
