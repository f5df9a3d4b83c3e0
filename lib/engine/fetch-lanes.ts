// Registry work on two threads. A cold lockfile install fetches every
// package's full packument (918 of them, 121 MiB of JSON, for the bench app)
// and then reads every tarball's package.json; both are CPU work (TLS,
// gunzip, JSON and tar parsing, npm's cache writes) that one thread does one
// piece at a time while the second core idles. Once a run has more than a
// few such jobs, a worker thread (fetch-worker.ts) takes its share: each job
// goes to the thread with fewer in flight, which also keeps a busy main thread
// from taking more than it can answer. The callers first answer what they can
// from safe-npm's caches and then say how many jobs remain (expect): a run of
// many starts the worker at once and shares one agent from its first request,
// so it does not open a TLS connection per early job. Reify's unpacking is
// shared the same way (npm/shared-unpacking.ts): a warm ci of the bench app
// took 10.9 s with one thread unpacking, 9.2 s with two (medians of 6
// alternating runs). A run whose facts and tarballs come from safe-npm's
// caches, and that unpacks a few packages, never starts the worker. A worker
// that cannot start, or dies, hands its jobs back to the main thread.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { Worker } from 'node:worker_threads'
import type { TarballFact } from '../model/rule.js'
import type { PackumentSummary } from '../npm/packument-facts.js'
import type { TarballTarget } from '../npm/tarball-manifest.js'
import { runJob, type FetchJob, type JobResult, type SummaryStore } from './fetch-jobs.js'
import type { CopiedLogError, WorkerAnswer } from './fetch-worker.js'

/** Jobs before the worker starts: its start costs about 0.1 s of CPU (on the other core), which a handful of jobs does not repay. */
const JOBS_BEFORE_WORKER = 24

interface Pending {
  job: FetchJob
  /** The job's work on this thread, when it is not runJob's (reify's own unpacking). */
  local?: () => Promise<unknown>
  resolve: (result: any) => void
  reject: (error: unknown) => void
}

/** An error the worker logged, an Error again (with its fields: a tar warning's code, folder and entry). */
function revivedError(arg: unknown): unknown {
  const copied = (arg as Partial<CopiedLogError> | null)?.loggedError
  if (!copied || typeof copied !== 'object') return arg
  const error = Object.assign(new Error(copied.message), copied.fields)
  error.name = copied.name
  if (copied.stack) error.stack = copied.stack
  return error
}

export interface LaneOptions {
  /** Jobs run on the main thread before the worker starts (0: at the first; Infinity: never). */
  jobsBeforeWorker?: number
}

/** npm's flat options as the worker can receive them: functions and other values that cannot be copied are left out. */
function copyableOptions(npmOptions: Record<string, any>): Record<string, any> {
  const copy: Record<string, any> = {}
  for (const [key, value] of Object.entries(npmOptions)) {
    if (typeof value === 'function' || typeof value === 'symbol') continue
    try {
      structuredClone(value)
      copy[key] = value
    } catch {
      // not copyable (a stream, a class with private state): npm's fetches do not need it
    }
  }
  return copy
}

export class FetchLanes {
  readonly #npmOptions: Record<string, any>
  readonly #jobsBeforeWorker: number
  #started = 0
  /** Set once the run is known to bring many jobs (expect), or once it has brought them. */
  #isBulk = false
  #mainInFlight = 0
  #worker: Worker | null = null
  /** The worker is started at most once: after it stops (or could not start) the main thread does the rest. */
  #hasTriedWorker = false
  #workerStarted: Promise<void> = Promise.resolve()
  #nextId = 0
  readonly #pending = new Map<number, Pending>()
  /** How many jobs the worker answered, with a result or an error (for tests and measurements). */
  workerAnswered = 0

  constructor(npmOptions: Record<string, any>, options: LaneOptions = {}) {
    this.#npmOptions = npmOptions
    this.#jobsBeforeWorker = options.jobsBeforeWorker ?? JOBS_BEFORE_WORKER
  }

  /**
   * How many jobs are about to come: a run of many is one from its first job
   * (the worker starts now and every request shares one agent), instead of
   * after JOBS_BEFORE_WORKER jobs that each open a connection of their own.
   */
  expect(count: number): void {
    if (count > this.#jobsBeforeWorker) this.#isBulk = true
  }

  /** The package's packument summary; with `store`, also written to the facts cache there. */
  packument(name: string, preferOnline: boolean, store?: SummaryStore): Promise<PackumentSummary> {
    return this.#run({ kind: 'packument', name, preferOnline, store }) as Promise<PackumentSummary>
  }

  tarball(target: TarballTarget): Promise<TarballFact> {
    return this.#run({ kind: 'tarball', target }) as Promise<TarballFact>
  }

  /**
   * One of reify's tarballs unpacked: on the worker when it is its turn (with
   * npm's options and these differences), else by `local`, reify's own call.
   */
  async unpack(spec: string, dest: string, options: Record<string, unknown>, local: () => Promise<unknown>): Promise<void> {
    await this.#run({ kind: 'unpack', spec, dest, options }, local)
  }

  /** Stops the worker: the lanes are done with (a job still in it is not done elsewhere). */
  close(): void {
    const worker = this.#worker
    this.#worker = null
    this.#hasTriedWorker = true
    if (!worker) return
    const abandoned = [...this.#pending.values()]
    this.#pending.clear()
    for (const { reject } of abandoned) reject(Object.assign(new Error('the run ended before the registry answered'), { code: 'ECLOSED' }))
    void worker.terminate()
  }

  async #run(job: FetchJob, local?: () => Promise<unknown>): Promise<JobResult> {
    this.#started++
    if (this.#started > this.#jobsBeforeWorker) this.#isBulk = true
    const isBulk = this.#isBulk
    if (isBulk) await this.#startWorker()
    if (this.#worker && this.#pending.size <= this.#mainInFlight) return await this.#viaWorker(job, local)
    this.#mainInFlight++
    try {
      return local ? ((await local()) as JobResult) : await runJob(job, this.#npmOptions, isBulk)
    } finally {
      this.#mainInFlight--
    }
  }

  /** Starts the worker once; every job of a bulk run waits for the start, so a burst of jobs is shared from the first. */
  #startWorker(): Promise<void> {
    if (this.#hasTriedWorker) return this.#workerStarted
    this.#hasTriedWorker = true
    this.#workerStarted = this.#launchWorker()
    return this.#workerStarted
  }

  async #launchWorker(): Promise<void> {
    // Next to this module: dist/lib/engine/ or dist/bundle/ (esbuild's entry). Run from
    // sources (the .ts files under tsx) there is no compiled worker: one lane only.
    const file = fileURLToPath(new URL('./fetch-worker.js', import.meta.url))
    if (!existsSync(file)) return
    try {
      const { Worker } = await import('node:worker_threads')
      const worker = new Worker(file, { workerData: { isFetchWorker: true, npmOptions: copyableOptions(this.#npmOptions) } })
      worker.unref()
      worker.on('message', (answer: WorkerAnswer) => this.#answer(answer))
      worker.on('error', () => this.#fail(worker))
      worker.on('exit', () => this.#fail(worker))
      this.#worker = worker
    } catch {
      // a worker that cannot start: the main thread does everything
    }
  }

  #viaWorker(job: FetchJob, local?: () => Promise<unknown>): Promise<JobResult> {
    const id = this.#nextId++
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { job, local, resolve, reject })
      this.#worker!.postMessage({ id, job })
    })
  }

  #answer(answer: WorkerAnswer): void {
    if ('logs' in answer) {
      // npm's libraries logged in the worker: as if they had here, where safe-npm listens.
      for (const args of answer.logs) (process.emit as (event: string, ...args: unknown[]) => boolean)('log', ...args.map(revivedError))
      return
    }
    const pending = this.#pending.get(answer.id)
    if (!pending) return
    this.#pending.delete(answer.id)
    this.workerAnswered++
    if ('result' in answer) {
      pending.resolve(answer.result)
    } else {
      pending.reject(Object.assign(new Error(answer.error.message), answer.error.fields))
    }
  }

  /** The worker died: what it had not answered is done here. */
  #fail(worker: Worker): void {
    if (this.#worker === worker) this.#worker = null
    const orphans = [...this.#pending.values()]
    this.#pending.clear()
    for (const { job, local, resolve, reject } of orphans) (local ? local() : runJob(job, this.#npmOptions, true)).then(resolve, reject)
  }
}
