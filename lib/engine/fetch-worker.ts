// The fetch worker: fetches and summarises packuments, reads tarballs'
// package.json, and unpacks a share of reify's tarballs, on a second thread
// (fetch-lanes.ts), so that a large tree's network and unpacking work (TLS,
// gunzip, JSON and tar parsing, npm's cache and file writes) uses both cores.
// It receives npm's flat options once (workerData) and one message per job,
// and answers with the job's result or the error (its message and its plain
// fields: code, errno, path…). What npm's libraries log here (proc-log's
// `log` events) is sent to the main thread, where safe-npm keeps npm's
// diagnostics: the events of one tick in one message, so that a warning and
// the detail pacote logs right after it stay together, and with values a
// message cannot carry (tar's entry in an unpack warning) as plain objects.
import { parentPort, workerData } from 'node:worker_threads'
import { runJob, type FetchJob, type JobResult } from './fetch-jobs.js'

/** An error as it crosses to the main thread: its message and its fields of plain values. */
export interface CopiedError {
  message: string
  fields: Record<string, string | number | boolean | null>
}

export type WorkerAnswer = { id: number; result: JobResult } | { id: number; error: CopiedError } | { logs: unknown[][] }

/** Fields of plain values (an error's code, errno, syscall, path, statusCode…). */
function plainFields(value: object): Record<string, string | number | boolean | null> {
  const fields: Record<string, string | number | boolean | null> = {}
  for (const [key, field] of Object.entries(value)) {
    if (field === null || ['string', 'number', 'boolean'].includes(typeof field)) fields[key] = field
  }
  return fields
}

function copyError(error: any): CopiedError {
  return { message: String(error?.message ?? error), fields: error && typeof error === 'object' ? plainFields(error) : {} }
}

/** A logged error as it crosses (a message would keep only its name, message and stack): fetch-lanes.ts makes it an Error again. */
export interface CopiedLogError {
  loggedError: { name: string; message: string; stack?: string; fields: Record<string, unknown> }
}

/** A logged value as a message can carry it: as it is when it can be copied, else its fields, two levels deep. */
function copyable(value: unknown, depth = 2): unknown {
  if (value === null || typeof value !== 'object') return typeof value === 'function' || typeof value === 'symbol' ? undefined : value
  if (value instanceof Error) {
    const fields: Record<string, unknown> = {}
    for (const [key, field] of Object.entries(value)) fields[key] = copyable(field, depth - 1)
    return { loggedError: { name: value.name, message: value.message, stack: value.stack, fields } } satisfies CopiedLogError
  }
  try {
    return structuredClone(value)
  } catch {
    // a stream, a class with private state: its fields below
  }
  if (depth <= 0) return undefined
  const copy: Record<string, unknown> = {}
  for (const [key, field] of Object.entries(value)) copy[key] = copyable(field, depth - 1)
  return copy
}

const port = parentPort
if (port && workerData?.isFetchWorker) {
  const npmOptions: Record<string, any> = workerData.npmOptions ?? {}
  let logs: unknown[][] = []
  process.on('log', (...args: unknown[]) => {
    if (logs.length === 0) {
      queueMicrotask(() => {
        port.postMessage({ logs } satisfies WorkerAnswer)
        logs = []
      })
    }
    logs.push(args.map((arg) => copyable(arg)))
  })
  port.on('message', ({ id, job }: { id: number; job: FetchJob }) => {
    runJob(job, npmOptions).then(
      (result) => port.postMessage({ id, result } satisfies WorkerAnswer),
      (error: unknown) => port.postMessage({ id, error: copyError(error) } satisfies WorkerAnswer),
    )
  })
}
