// The fetch worker: fetches and summarises packuments, and reads tarballs'
// package.json, on a second thread (fetch-lanes.ts), so that a large tree's
// network work (TLS, gunzip, JSON parsing, npm's cache writes) uses both
// cores. It receives npm's flat options once (workerData) and one message per
// job, and answers with the job's result or the error's code and message.
// What npm's libraries log here (proc-log's `log` events) is sent to the
// main thread, where safe-npm keeps npm's diagnostics.
import { parentPort, workerData } from 'node:worker_threads'
import type { TarballFact } from '../model/rule.js'
import type { PackumentSummary } from '../npm/packument-facts.js'
import { runJob, type FetchJob } from './fetch-jobs.js'

export type WorkerAnswer =
  | { id: number; result: PackumentSummary | TarballFact }
  | { id: number; error: { code?: string; message: string } }
  | { log: unknown[] }

const port = parentPort
if (port && workerData?.isFetchWorker) {
  const npmOptions: Record<string, any> = workerData.npmOptions ?? {}
  process.on('log', (...args: unknown[]) => {
    try {
      port.postMessage({ log: args } satisfies WorkerAnswer)
    } catch {
      // an argument that cannot be copied (npm logs plain values and errors)
    }
  })
  port.on('message', ({ id, job }: { id: number; job: FetchJob }) => {
    runJob(job, npmOptions).then(
      (result) => port.postMessage({ id, result } satisfies WorkerAnswer),
      (error: any) => port.postMessage({ id, error: { code: typeof error?.code === 'string' ? error.code : undefined, message: String(error?.message ?? error) } } satisfies WorkerAnswer),
    )
  })
}
