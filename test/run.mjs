#!/usr/bin/env node
// Runs the uvu test files in a few child processes at once. uvu itself runs
// files one after another in one process; most of the suite's time is the
// e2e files waiting on the child processes they spawn, so 2–3 files side by
// side finish well sooner even on two cores.
//
//   node test/run.mjs [--jobs N] [--timing] [filter ...]
//
// A filter keeps the files whose path (relative to test/) contains it. Files
// run in `node --import tsx` child processes, the slowest first (as timed by
// the previous run, kept in node_modules/.cache/safe-npm-tests/durations.json),
// a few to a process: each process costs a tsx start-up and the imports of the
// CLI (about a second of CPU), so files share processes of about an eighth of
// the suite each, and only a file longer than that has one of its own. Each
// process's uvu output is printed as one block when it is done.
// The last line is `N passed, M failed`; the exit code is 1 when anything
// failed.
// SAFE_NPM_TEST_JOBS sets the number of processes like --jobs (default 2–3).
// --timing (or SAFE_NPM_TEST_TIMING=1) also prints the slowest files with the
// CPU time they took (the worker's own and that of the processes it waited
// for: safe-npm, npm) and the slowest tests: on a shared machine wall time is
// noisy, CPU time much less so.
//
// The test files must not share ports or paths: each e2e file starts its own
// fixture registry on port 0, each sandbox has its own temp HOME and npm cache.

import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { dirname, join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

const testDir = dirname(fileURLToPath(import.meta.url))
const repoRoot = dirname(testDir)
const durationsFile = join(repoRoot, 'node_modules', '.cache', 'safe-npm-tests', 'durations.json')
/** Same selection as `uvu test "\.test\.ts$" -i fixtures -i helpers`. */
const TEST_FILE = /\.test\.ts$/i
const IGNORED = [/^\.git/i, /node_modules/i, /fixtures/i, /helpers/i]
/** A file that runs longer than this is killed and counted as failed. */
const FILE_TIMEOUT_MS = 10 * 60_000
/** Files quicker than this (previous run) share a process, up to this much per process... */
const BATCH_MS = 3_000
/** ...or up to this share of the suite per worker, when that is more. */
const BATCHES_PER_WORKER = 4

/**
 * In the child: run these files through uvu one at a time, as its CLI would
 * run one file, and tell the parent over IPC each file's counts and time.
 */
async function runWorker(files, timing) {
  const { run } = await import('uvu/run')
  const write = process.stdout.write
  const tests = timing ? timeTests() : null
  let hasFailed = false
  for (const file of files) {
    const started = Date.now()
    const cpuStarted = cpuNow()
    tests?.reset()
    let printed = ''
    process.stdout.write = function (chunk, ...rest) {
      printed += String(chunk)
      return write.call(this, chunk, ...rest)
    }
    let crash = null
    // uvu keeps its suites in this global; a fresh one per file so that exec() runs only this file's.
    globalThis.UVU_QUEUE = []
    process.exitCode = 0
    try {
      await run([{ name: relative(testDir, file).split(sep).join('/'), file }])
    } catch (error) {
      crash = String(error?.message ?? error).split('\n')[0]
      console.error(error?.stack ?? error)
    } finally {
      process.stdout.write = write
    }
    const plain = printed.replace(ANSI, '')
    const total = numbers(plain, /^\s*Total:\s+(\d+)/gm).pop()
    const passed = numbers(plain, /^\s*Passed:\s+(\d+)/gm).pop()
    if (crash === null && (total === undefined || passed === undefined)) crash = 'no uvu summary'
    if (crash !== null || process.exitCode) hasFailed = true
    const cpu = cpuSince(cpuStarted)
    process.send?.({ file, ms: Date.now() - started, cpu, tests: tests?.done() ?? [], total: total ?? 0, passed: passed ?? 0, crash })
  }
  process.exitCode = hasFailed ? 1 : 0
}

/**
 * Times each test of a file without touching uvu: uvu sets `state.__test__`
 * to a test's name before its hooks and handler run, and to '' after the
 * suite. A setter on Object.prototype sees those writes (a suite's state is a
 * plain object without an own `__test__`), notes the time and keeps the value
 * per object, so uvu reads back what it wrote.
 */
function timeTests() {
  const values = new WeakMap()
  let results = []
  let current = null
  const close = () => {
    if (current) results.push({ name: current.name, ms: Date.now() - current.started })
    current = null
  }
  Object.defineProperty(Object.prototype, '__test__', {
    configurable: true,
    get() {
      return values.get(this)
    },
    set(value) {
      values.set(this, value)
      close()
      if (value) current = { name: `${this.__suite__ ? `${this.__suite__} › ` : ''}${value}`, started: Date.now() }
    },
  })
  return {
    reset() {
      results = []
      current = null
    },
    done() {
      close()
      return results
    },
  }
}

/** CPU milliseconds so far of this process (user + system) and of the children it has waited for (Linux only). */
function cpuNow() {
  const own = process.cpuUsage()
  let children = null
  try {
    // /proc/self/stat: after "(comm)", fields 14 and 15 (cutime, cstime) in clock ticks, USER_HZ = 100 on Linux.
    const fields = readFileSync('/proc/self/stat', 'utf8').replace(/^.*\) /s, '').split(' ')
    children = (Number(fields[13]) + Number(fields[14])) * 10
  } catch {
    // not Linux: the worker's own CPU time only
  }
  return { own: (own.user + own.system) / 1000, children }
}

function cpuSince(start) {
  const end = cpuNow()
  return { own: Math.round(end.own - start.own), children: end.children === null || start.children === null ? null : end.children - start.children }
}

async function main(argv) {
  let jobs = Number(process.env.SAFE_NPM_TEST_JOBS) || Math.min(3, Math.max(2, availableParallelism()))
  let timing = Boolean(process.env.SAFE_NPM_TEST_TIMING)
  const filters = []
  for (let index = 0; index < argv.length; index++) {
    if (argv[index] === '--timing') timing = true
    else if (argv[index] === '--jobs' || argv[index] === '-j') jobs = Number(argv[++index])
    else if (argv[index].startsWith('--jobs=')) jobs = Number(argv[index].slice('--jobs='.length))
    else filters.push(argv[index])
  }
  if (!Number.isInteger(jobs) || jobs < 1) {
    console.error('run.mjs: --jobs takes a whole number of at least 1')
    return 2
  }

  const files = findTestFiles(testDir).filter((name) => filters.length === 0 || filters.some((filter) => name.includes(filter)))
  if (files.length === 0) {
    console.error(`run.mjs: no test files${filters.length ? ` match ${filters.join(', ')}` : ''}`)
    console.log('0 passed, 0 failed')
    return 1
  }
  const previous = readDurations()
  const queue = planJobs(
    files.map((name) => ({ name, expected: previous[name] ?? guessDuration(name) })),
    jobs,
  )
  const colour = process.env.FORCE_COLOR !== undefined ? process.env.FORCE_COLOR !== '0' : Boolean(process.stdout.isTTY) && !process.env.NO_COLOR

  const started = Date.now()
  const results = []
  const worker = async () => {
    for (let job = queue.shift(); job; job = queue.shift()) {
      const result = await runJob(job, colour, timing)
      results.push(...result.files)
      process.stdout.write(result.output.endsWith('\n') ? result.output : `${result.output}\n`)
      for (const file of result.files) if (file.problem) console.log(`✖ ${file.name}: ${file.problem}`)
    }
  }
  const workers = Math.min(jobs, queue.length)
  await Promise.all(Array.from({ length: workers }, worker))
  const elapsed = Date.now() - started

  const timed = results.filter((result) => result.ms !== null)
  const known = Object.fromEntries(Object.entries(previous).filter(([name]) => existsSync(join(testDir, name))))
  writeDurations({ ...known, ...Object.fromEntries(timed.map((result) => [result.name, result.ms])) })
  const passed = sum(results.map((result) => result.passed))
  const failed = sum(results.map((result) => result.failed))
  const failedFiles = results.filter((result) => result.failed > 0).map((result) => result.name)
  const slowest = timed.sort((a, b) => b.ms - a.ms).slice(0, 5)
  console.log('')
  console.log(`${files.length} files in ${(elapsed / 1000).toFixed(1)} s with ${workers} workers; slowest: ${slowest.map((result) => `${result.name} ${(result.ms / 1000).toFixed(1)} s`).join(', ')}`)
  if (timing) printTiming(timed, elapsed)
  if (failedFiles.length > 0) console.log(`failed in: ${failedFiles.join(', ')}`)
  console.log(`${passed} passed, ${failed} failed`)
  return failed > 0 ? 1 : 0
}

const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`

/** The slowest files (wall and CPU time) and the slowest tests, for --timing. */
function printTiming(timed, elapsed) {
  const cpuOf = (result) => result.cpu.own + (result.cpu.children ?? 0)
  const ownCpu = sum(timed.map((result) => result.cpu.own))
  const childCpu = sum(timed.map((result) => result.cpu.children ?? 0))
  console.log('')
  console.log(`CPU: ${seconds(ownCpu + childCpu)} (test processes ${seconds(ownCpu)}, their children ${seconds(childCpu)}) in ${seconds(elapsed)}`)
  console.log('slowest files (wall, CPU: own + children):')
  for (const result of [...timed].sort((a, b) => b.ms - a.ms).slice(0, 15)) {
    const cpu = `${seconds(cpuOf(result))} = ${seconds(result.cpu.own)} + ${result.cpu.children === null ? '?' : seconds(result.cpu.children)}`
    console.log(`  ${seconds(result.ms).padStart(7)}  ${cpu.padEnd(24)} ${result.name}`)
  }
  console.log('slowest tests (wall, with their hooks):')
  const tests = timed.flatMap((result) => result.tests.map((test) => ({ ...test, file: result.name })))
  for (const test of tests.sort((a, b) => b.ms - a.ms).slice(0, 20)) console.log(`  ${seconds(test.ms).padStart(7)}  ${test.file}: ${test.name}`)
}

/**
 * Files share processes (each costs a tsx start-up and fresh imports) of up
 * to `limit` expected time, the suite split into about BATCHES_PER_WORKER
 * processes per worker; a file longer than that has one of its own. Longest
 * first, so that none starts last while the other workers sit idle, and
 * filled longest file first, so that the last processes are the short ones.
 */
function planJobs(files, workers) {
  const limit = Math.max(BATCH_MS, sum(files.map((file) => file.expected)) / (workers * BATCHES_PER_WORKER))
  const sorted = [...files].sort((a, b) => b.expected - a.expected)
  const jobs = sorted.filter((file) => file.expected >= limit).map((file) => ({ names: [file.name], expected: file.expected }))
  const batches = []
  for (const file of sorted.filter((file) => file.expected < limit)) {
    let batch = batches.find((candidate) => candidate.expected + file.expected <= limit)
    if (!batch) {
      batch = { names: [], expected: 0 }
      batches.push(batch)
    }
    batch.names.push(file.name)
    batch.expected += file.expected
  }
  return [...jobs, ...batches].sort((a, b) => b.expected - a.expected)
}

/** Paths relative to test/, '/'-separated, sorted. */
function findTestFiles(dir, prefix = '') {
  const names = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const name = prefix ? `${prefix}/${entry.name}` : entry.name
    if (IGNORED.some((pattern) => pattern.test(name))) continue
    if (entry.isDirectory()) names.push(...findTestFiles(join(dir, entry.name), name))
    else if (TEST_FILE.test(name)) names.push(name)
  }
  return names.sort()
}

/** Without a previous run: e2e files are the slow ones, larger files slower. */
function guessDuration(name) {
  const size = statSync(join(testDir, name)).size
  return name.startsWith('e2e/') ? 10_000 + size : size / 10
}

function readDurations() {
  try {
    return JSON.parse(readFileSync(durationsFile, 'utf8'))
  } catch {
    return {}
  }
}

function writeDurations(durations) {
  try {
    mkdirSync(dirname(durationsFile), { recursive: true })
    writeFileSync(durationsFile, `${JSON.stringify(durations, null, 2)}\n`)
  } catch {
    // Only an ordering hint for the next run.
  }
}

const ANSI = /\u001b\[[0-9;]*m/g

/**
 * Runs a job's files in one child process. Each file that never reported
 * back (the process crashed, hung or was killed) counts as one failure.
 */
function runJob(job, colour, timing) {
  return new Promise((resolve) => {
    const env = { ...process.env }
    if (colour) env.FORCE_COLOR = '1'
    else delete env.FORCE_COLOR
    const files = job.names.map((name) => join(testDir, ...name.split('/')))
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), timing ? '--timed-worker' : '--worker', ...files], {
      cwd: repoRoot,
      env,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    })
    const chunks = []
    const reports = new Map()
    child.stdout.on('data', (chunk) => chunks.push(chunk))
    child.stderr.on('data', (chunk) => chunks.push(chunk))
    child.on('message', (message) => reports.set(relative(testDir, message.file).split(sep).join('/'), message))
    const timeoutMs = FILE_TIMEOUT_MS * job.names.length
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, timeoutMs)
    let isFinished = false
    const finish = (code, signal, spawnError) => {
      if (isFinished) return
      isFinished = true
      clearTimeout(timer)
      const why = spawnError ? `could not start: ${spawnError.message}` : timedOut ? `killed after ${timeoutMs / 1000} s` : `exit ${code ?? signal}`
      let hasEnded = false
      const files = job.names.map((name) => {
        const report = reports.get(name)
        if (!report) {
          const problem = hasEnded ? `not run: its process ended during an earlier file (${why})` : `did not finish (${why})`
          hasEnded = true
          return { name, passed: 0, failed: 1, problem, ms: null }
        }
        const failed = report.total - report.passed + (report.crash ? 1 : 0)
        return { name, passed: report.passed, failed, problem: report.crash ? `crashed: ${report.crash}` : null, ms: report.ms, cpu: report.cpu, tests: report.tests }
      })
      // Every file reported success, yet the process failed (e.g. an error thrown after the last test).
      if (code !== 0 && !spawnError && !timedOut && files.every((file) => file.failed === 0)) {
        files[files.length - 1] = { ...files[files.length - 1], failed: 1, problem: `${why} although every test passed` }
      }
      resolve({ files, output: Buffer.concat(chunks).toString('utf8') })
    }
    child.on('error', (error) => finish(null, null, error))
    child.on('close', (code, signal) => finish(code, signal, null))
  })
}

function numbers(text, pattern) {
  return [...text.matchAll(pattern)].map((match) => Number(match[1]))
}

function sum(values) {
  return values.reduce((total, value) => total + value, 0)
}

if (process.argv[2] === '--worker' || process.argv[2] === '--timed-worker') {
  await runWorker(process.argv.slice(3), process.argv[2] === '--timed-worker')
} else {
  process.exitCode = await main(process.argv.slice(2))
}
