#!/usr/bin/env node
// npm run bench: times npm against safe-npm on the real project in
// bench/project (about a thousand packages), from one shared, warm npm cache.
//
//   node bench/run.js [--rounds N] [--scenarios noop,add-one,cold-ci,ci,install,check,resolve]
//                     [--cold-rounds N]  (timed rounds of cold-ci; default 1)
//                     [--no-warmup] [--no-observe] [--profile] [--keep]
//                     [--safe-npm <path to another build's bin/safe-npm.js>]
//                     [--tmpdir <dir>]   (default: the OS temp dir; e.g. /dev/shm to take the disk out)
//                     [--rss-preload]    (peak RSS from a preload even where /usr/bin/time exists)
//                     [--clients 1,4,8]  (registry scenario: clients at once; see bench/registry.mjs)
//
// Every command runs in a fresh copy of bench/project (the lockfile is always
// the committed one), with a temporary HOME, its own userconfig .npmrc and ONE
// npm cache shared by every run, and with inherited npm_config_* variables
// removed. ci/install/check/resolve start without node_modules; noop and
// add-one start from a copy (cp -a) of the tree the cache-warming `npm ci`
// installed, so every round starts from the same installed state; cold-ci
// gets an empty npm cache of its own per run (and so an empty _safe-npm/
// beside it). Without --scenarios, all but cold-ci run. Commands are spawned
// with argument arrays (no shell), both tools on this Node binary. Within a
// round the order alternates (npm first, then safe-npm first) to be fair.
//
// Phases:
//   1. warm the cache: npm ci --ignore-scripts (its tree is kept as the start of noop/add-one)
//   2. preflight: safe-npm check --lockfile --json; stops with a clear report
//      if the policy blocks the lockfile (a version younger than 3 days…)
//   3. one warm-up round of every scenario but cold-ci (printed, not in the medians):
//      fills the cache with what each tool reads (npm's abbreviated and
//      safe-npm's full packuments), so the timed rounds compare like with like
//   4. N timed rounds: wall time (median) and peak RSS (max over rounds)
//   5. observation round (not timed): each command once more with
//      bench/observe.mjs preloaded, counting registry requests, large
//      JSON.parse calls and, for safe-npm, the time of each of its phases
//   6. --profile: safe-npm (and npm) once more under --cpu-prof, with the top
//      self-time functions and where the CPU went by package
//
// Exit code: 0 when every command succeeded, 1 otherwise (with the stderr tail).
import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { runRegistryBench } from './registry.mjs'

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url))
const REPO_DIR = path.resolve(BENCH_DIR, '..')
const PROJECT_DIR = path.join(BENCH_DIR, 'project')
let SAFE_NPM = path.join(REPO_DIR, 'bin', 'safe-npm.js')
const OBSERVER = path.join(BENCH_DIR, 'observe.mjs')
/** A tiny package with no dependencies, absent from bench/project's lockfile, published years ago (older than the 3-day age gate). */
const ADD_ONE_SPEC = 'kleur@4.1.5'

// ---------------------------------------------------------------- arguments

function parseArguments(argv) {
  const options = { rounds: 3, coldRounds: null, scenarios: null, warmup: true, observe: true, profile: false, keep: false, clients: [1, 4, 8] }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    const value = () => {
      const next = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i]
      if (next === undefined) fail(`${arg} needs a value`)
      return next
    }
    if (arg === '--rounds' || arg.startsWith('--rounds=')) {
      options.rounds = Number(value())
      if (!Number.isInteger(options.rounds) || options.rounds < 1) fail('--rounds takes a whole number of at least 1')
    } else if (arg === '--cold-rounds' || arg.startsWith('--cold-rounds=')) {
      options.coldRounds = Number(value())
      if (!Number.isInteger(options.coldRounds) || options.coldRounds < 1) fail('--cold-rounds takes a whole number of at least 1')
    } else if (arg === '--scenarios' || arg.startsWith('--scenarios=')) options.scenarios = value().split(',')
    else if (arg === '--clients' || arg.startsWith('--clients=')) {
      options.clients = value().split(',').map(Number)
      if (options.clients.some((count) => !Number.isInteger(count) || count < 1)) fail('--clients takes whole numbers of at least 1, e.g. 1,4,8')
    }
    else if (arg === '--no-warmup') options.warmup = false
    else if (arg === '--no-observe') options.observe = false
    else if (arg === '--profile') options.profile = true
    else if (arg === '--keep') options.keep = true
    else if (arg === '--rss-preload') options.rssPreload = true // measure peak RSS without GNU time
    else if (arg === '--safe-npm' || arg.startsWith('--safe-npm=')) options.safeNpm = path.resolve(value())
    else if (arg === '--tmpdir' || arg.startsWith('--tmpdir=')) options.tmpdir = path.resolve(value())
    else if (arg === '-h' || arg === '--help') {
      console.log('usage: node bench/run.js [--rounds N] [--cold-rounds N] [--scenarios noop,add-one,cold-ci,ci,install,check,resolve] [--no-warmup] [--no-observe] [--profile] [--keep] [--safe-npm bin/safe-npm.js] [--tmpdir DIR] [--rss-preload] [--clients 1,4,8]')
      process.exit(0)
    } else fail(`unknown argument ${arg}`)
  }
  return options
}

function fail(message) {
  console.error(`bench: ${message}`)
  process.exit(1)
}

// ---------------------------------------------------------------- scenarios

// start: 'empty' (package.json + lockfile as committed, no node_modules),
// 'installed' (a copy of a tree `npm ci --ignore-scripts` installed, with its
// node_modules/.package-lock.json and timestamps), or 'cold' (like 'empty',
// plus an npm cache of its own that is empty, so safe-npm's facts and feed
// caches beside it, _safe-npm/, are empty too). target: the ratio to meet.
// maxRounds: timed rounds at most (cold-ci downloads everything every round;
// --cold-rounds overrides it). forgetsVerdicts: the verdict a safe-npm run
// stores (_safe-npm/verdicts/ in the shared cache) is removed after it, so
// the next round judges the tree afresh, from the warm facts cache.
const SCENARIOS = [
  {
    id: 'noop',
    title: 'install, installed tree (no-op)',
    lockfile: true,
    start: 'installed',
    installs: true,
    target: 1.1,
    npm: ['install', '--ignore-scripts'],
    safe: ['install', '--ignore-scripts'],
  },
  {
    id: 'add-one',
    title: `install ${ADD_ONE_SPEC}, installed tree`,
    lockfile: true,
    start: 'installed',
    installs: true,
    target: 1.1,
    npm: ['install', '--ignore-scripts', ADD_ONE_SPEC],
    safe: ['install', '--ignore-scripts', ADD_ONE_SPEC],
    // every round adds the same package to the same tree: without this the
    // verdict remembered from the round before would answer, which a real
    // first add of a package never gets (its facts cache is warm, as here)
    forgetsVerdicts: true,
    verify(dir) {
      const [name, version] = ADD_ONE_SPEC.split('@')
      const installed = JSON.parse(readOr(path.join(dir, 'node_modules', name, 'package.json'), '{}')).version
      return installed === version ? null : `did not install ${ADD_ONE_SPEC} (node_modules/${name}: ${installed ?? 'missing'})`
    },
  },
  {
    id: 'cold-ci',
    title: 'ci, EMPTY caches (all from the registry)',
    lockfile: true,
    start: 'cold',
    installs: true,
    target: 1.15,
    maxRounds: 1,
    npm: ['ci', '--ignore-scripts'],
    safe: ['ci', '--ignore-scripts'],
  },
  {
    id: 'ci',
    title: 'ci (lockfile, no node_modules)',
    lockfile: true,
    start: 'empty',
    installs: true,
    target: 1.1,
    npm: ['ci', '--ignore-scripts'],
    safe: ['ci', '--ignore-scripts'],
  },
  {
    id: 'install',
    title: 'install (lockfile, no node_modules)',
    lockfile: true,
    start: 'empty',
    installs: true,
    target: 1.1,
    npm: ['install', '--ignore-scripts'],
    safe: ['install', '--ignore-scripts'],
  },
  {
    id: 'check',
    title: 'lock-only vs check (lockfile)',
    lockfile: true,
    start: 'empty',
    installs: false,
    npm: ['install', '--package-lock-only'],
    safe: ['check'],
  },
  {
    id: 'resolve',
    title: 'lock-only vs check (NO lockfile)',
    lockfile: false,
    start: 'empty',
    installs: false,
    npm: ['install', '--package-lock-only'],
    safe: ['check'],
  },
]
/** Not in SCENARIOS: npm through Verdaccio with and without the safe-npm filter (bench/registry.mjs), asked for by name. */
const REGISTRY_SCENARIO = 'registry'
/** Run when no --scenarios is given (cold-ci is slow and needs the network for every round, registry takes long: ask for them). */
const DEFAULT_SCENARIOS = ['noop', 'add-one', 'ci', 'install', 'check', 'resolve']

// ---------------------------------------------------------------- environment

/** npm's own CLI script, so both tools run on this very Node binary. */
function findNpmCli() {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir || dir.includes(`node_modules${path.sep}.bin`) || dir.includes('node-gyp-bin')) continue
    const bin = path.join(dir, 'npm')
    if (!fs.existsSync(bin)) continue
    const real = fs.realpathSync(bin)
    const cli = path.basename(real) === 'npm-cli.js' ? real : path.resolve(path.dirname(real), '..', 'bin', 'npm-cli.js')
    if (fs.existsSync(cli)) return cli
  }
  const guess = path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js')
  if (fs.existsSync(guess)) return guess
  fail('cannot find npm-cli.js on PATH')
}

/** How peak RSS is measured: GNU time when present, else a preload reporting process.resourceUsage().maxRSS. */
function pickRssMethod(tmp, forcePreload) {
  const file = path.join(tmp, 'time-probe')
  const probe = forcePreload ? { status: 1 } : spawnSync('/usr/bin/time', ['-f', '%M', '-o', file, process.execPath, '-e', ''], { stdio: 'ignore' })
  if (probe.status === 0 && /^\d+\s*$/.test(readOr(file, '').trim().split('\n').pop() ?? '')) return 'gnu-time'
  const preload = path.join(tmp, 'maxrss.mjs')
  fs.writeFileSync(
    preload,
    "import { writeFileSync } from 'node:fs'\nprocess.on('exit', () => { const u = process.resourceUsage(); if (process.env.BENCH_MAXRSS_OUT) writeFileSync(process.env.BENCH_MAXRSS_OUT, `${u.maxRSS} ${u.userCPUTime / 1e6} ${u.systemCPUTime / 1e6}`) })\n",
  )
  return preload
}

function readOr(file, fallback) {
  try {
    return fs.readFileSync(file, 'utf8')
  } catch {
    return fallback
  }
}

function benchEnv(home, npmrc, cache) {
  const env = {}
  for (const [key, value] of Object.entries(process.env)) {
    const lower = key.toLowerCase()
    // what `npm run bench` (or the caller) set for itself must not leak into the measured tools
    if (lower.startsWith('npm_config_') || lower.startsWith('npm_package_') || lower.startsWith('npm_lifecycle_')) continue
    if (['npm_execpath', 'npm_node_execpath', 'npm_command', 'init_cwd', 'node_options', 'edge_npm_version'].includes(lower)) continue
    if (key.startsWith('SAFE_NPM_') || key.startsWith('BENCH_')) continue
    env[key] = value
  }
  env.PATH = (process.env.PATH ?? '')
    .split(path.delimiter)
    .filter((dir) => dir && !dir.includes(`node_modules${path.sep}.bin`) && !dir.includes('node-gyp-bin'))
    .join(path.delimiter)
  env.HOME = home
  env.npm_config_userconfig = npmrc
  env.npm_config_cache = cache
  env.NO_COLOR = '1'
  return env
}

// ---------------------------------------------------------------- running

const ctx = {}

function prepareProject(name, withLockfile, start = 'empty') {
  const dir = path.join(ctx.runs, name)
  fs.rmSync(dir, { recursive: true, force: true })
  if (start === 'installed') {
    // cp -a keeps the timestamps, so node_modules/.package-lock.json stays
    // newer than every package folder and Arborist trusts it, as after a real ci
    const copy = spawnSync('cp', ['-a', ctx.installedBase, dir], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' })
    if (copy.status !== 0) fail(`cp -a ${ctx.installedBase} ${dir} failed: ${copy.stderr}`)
    return dir
  }
  fs.mkdirSync(dir, { recursive: true })
  fs.copyFileSync(path.join(PROJECT_DIR, 'package.json'), path.join(dir, 'package.json'))
  if (withLockfile) fs.copyFileSync(path.join(PROJECT_DIR, 'package-lock.json'), path.join(dir, 'package-lock.json'))
  return dir
}

function removeProject(dir) {
  if (!ctx.keep) fs.rmSync(dir, { recursive: true, force: true })
  // flush the writes of the previous run so they do not land in the next one's time
  spawnSync('sync', [], { stdio: 'ignore' })
}

/** The machine's CPU ticks so far, all and stolen by the hypervisor (/proc/stat's first line); null off Linux. */
function cpuTicks() {
  const fields = /^cpu\s+(.*)$/m.exec(readOr('/proc/stat', ''))?.[1]?.trim().split(/\s+/).map(Number)
  if (!fields || fields.length < 8 || fields.some(Number.isNaN)) return null
  // user nice system idle iowait irq softirq steal; guest time is counted in user already
  return { total: fields.slice(0, 8).reduce((sum, value) => sum + value, 0), steal: fields[7] }
}

/** The share of the machine's CPU time the hypervisor took between two readings, in percent. */
function stealBetween(before, after) {
  if (!before || !after || after.total <= before.total) return null
  return (100 * (after.steal - before.steal)) / (after.total - before.total)
}

/**
 * Run one command: `tool` is 'npm' or 'safe-npm'. Returns wall time (s),
 * peak RSS (KiB), exit code, the hypervisor's steal meanwhile and the paths of its captured output.
 */
async function runTool(tool, args, cwd, { nodeFlags = [], env = {}, label }) {
  const script = tool === 'npm' ? ctx.npmCli : SAFE_NPM
  const logBase = path.join(ctx.logs, `${label}-${tool}`)
  const stdoutFile = `${logBase}.stdout`
  const stderrFile = `${logBase}.stderr`
  const rssFile = `${logBase}.rss`
  fs.rmSync(rssFile, { force: true })
  let command = process.execPath
  let argv = [...nodeFlags, script, ...args]
  const childEnv = { ...ctx.env, ...env }
  if (ctx.rssMethod === 'gnu-time') {
    argv = ['-f', '%M %U %S', '-o', rssFile, command, ...argv]
    command = '/usr/bin/time'
  } else {
    argv = ['--import', pathToFileURL(ctx.rssMethod).href, ...argv]
    childEnv.BENCH_MAXRSS_OUT = rssFile
  }
  const out = fs.openSync(stdoutFile, 'w')
  const err = fs.openSync(stderrFile, 'w')
  const ticks = cpuTicks()
  const t0 = process.hrtime.bigint()
  const code = await new Promise((resolve, reject) => {
    const child = spawn(command, argv, { cwd, env: childEnv, stdio: ['ignore', out, err] })
    child.on('error', reject)
    child.on('exit', (status, signal) => resolve(status ?? (signal ? 128 : 1)))
  })
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9
  const stealPercent = stealBetween(ticks, cpuTicks())
  fs.closeSync(out)
  fs.closeSync(err)
  // "<max RSS KiB> <user s> <sys s>" (GNU time's last line, or the preload's)
  const usage = /^(\d+) ([\d.]+) ([\d.]+)$/.exec(readOr(rssFile, '').trim().split('\n').pop() ?? '')
  const rssKiB = usage ? Number(usage[1]) : null
  const cpuSeconds = usage ? Number(usage[2]) + Number(usage[3]) : null
  return { tool, args, cwd, code, seconds, rssKiB, cpuSeconds, stealPercent, stdoutFile, stderrFile }
}

function tail(file, lines = 25) {
  return readOr(file, '').trimEnd().split('\n').slice(-lines).join('\n')
}

/** A failed command ends the benchmark: what ran, its exit code, and the end of its output. */
function failRun(result, why) {
  const shown = `${result.tool} ${result.args.join(' ')}`
  console.error(`\nbench: FAILED: ${shown} (in ${result.cwd}) ${why}`)
  const stderr = tail(result.stderrFile)
  const stdout = tail(result.stdoutFile)
  if (stderr) console.error(`--- stderr (tail) ---\n${stderr}`)
  if (stdout) console.error(`--- stdout (tail) ---\n${stdout}`)
  const text = `${readOr(result.stdoutFile, '')}\n${readOr(result.stderrFile, '')}`
  if (result.tool === 'safe-npm' && result.code === 1 && text.includes('minimum-release-age/too-young')) {
    console.error(
      '\nbench: safe-npm blocked a version younger than the default minimum release age (3d). ' +
        'bench/project pins versions that were at least a week old when it was made; regenerate it with an older --before ' +
        'date (see bench/README.md) rather than loosening the policy.',
    )
  }
  ctx.keep = true // the logs stay for a look
  console.error(`\nlogs kept in ${ctx.logs}`)
  process.exit(1)
}

function expectSuccess(result) {
  if (result.code !== 0) failRun(result, `exited with code ${result.code}`)
  return result
}

/** Packages installed in node_modules, from npm's hidden lockfile. */
function installedCount(dir) {
  try {
    const hidden = JSON.parse(fs.readFileSync(path.join(dir, 'node_modules', '.package-lock.json'), 'utf8'))
    return Object.keys(hidden.packages ?? {}).length
  } catch {
    return null
  }
}

async function runScenario(scenario, tool, label, extra = {}) {
  const name = `${label}-${scenario.id}-${tool}`
  const dir = prepareProject(name, scenario.lockfile, scenario.start)
  let env = extra.env ?? {}
  let coldDir = null
  if (scenario.start === 'cold') {
    // a cache dir of this run's own: npm's cache and safe-npm's _safe-npm/ beside it start empty
    coldDir = path.join(ctx.tmp, 'cold', name)
    fs.rmSync(coldDir, { recursive: true, force: true })
    fs.mkdirSync(coldDir, { recursive: true })
    env = { ...env, npm_config_cache: path.join(coldDir, 'npm-cache') }
  }
  const forgets = scenario.forgetsVerdicts && tool === 'safe-npm' && !coldDir
  const verdictsBefore = forgets ? verdictFiles() : null
  const result = expectSuccess(await runTool(tool, tool === 'npm' ? scenario.npm : scenario.safe, dir, { ...extra, env, label: `${label}-${scenario.id}` }))
  if (scenario.installs) {
    result.installed = installedCount(dir)
    if (!result.installed) failRun(result, 'left no node_modules/.package-lock.json: nothing was installed')
  }
  const problem = scenario.verify?.(dir)
  if (problem) failRun(result, problem)
  if (coldDir) fs.rmSync(coldDir, { recursive: true, force: true })
  if (forgets) for (const file of verdictFiles()) if (!verdictsBefore.has(file)) fs.rmSync(file, { force: true })
  removeProject(dir)
  return result
}

/** The verdicts safe-npm remembers in the shared cache (see forgetsVerdicts). */
function verdictFiles() {
  const dir = path.join(ctx.cache, '_safe-npm', 'verdicts')
  try {
    return new Set(fs.readdirSync(dir).map((name) => path.join(dir, name)))
  } catch {
    return new Set()
  }
}

// ---------------------------------------------------------------- formatting

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}
const secs = (value) => `${value.toFixed(2)}s`
const mib = (kib) => (kib === null || kib === undefined ? 'n/a' : `${Math.round(kib / 1024)} MiB`)
/** Median user+sys CPU seconds of these runs, or null when not measured. */
const medianCpu = (runs) => (runs.some((r) => r.cpuSeconds === null) ? null : median(runs.map((r) => r.cpuSeconds)))
const cpuOf = (runs) => (medianCpu(runs) === null ? 'n/a' : secs(medianCpu(runs)))
const max = (values) => (values.some((value) => value === null) ? null : Math.max(...values))

function table(header, rows) {
  const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map((row) => String(row[i]).length)))
  const line = (cells) => cells.map((cell, i) => (i === 0 ? String(cell).padEnd(widths[i]) : String(cell).padStart(widths[i]))).join('  ')
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n')
}

// ---------------------------------------------------------------- CPU profiles

function analyseProfile(file, top = 15) {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8'))
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]))
  const self = new Map()
  for (let i = 0; i < profile.samples.length; i++) {
    self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + (profile.timeDeltas[i] ?? 0))
  }
  const where = (url) => {
    if (!url) return ''
    const clean = url.replace(/^file:\/\//, '')
    const nm = clean.lastIndexOf('/node_modules/')
    if (nm >= 0) return clean.slice(nm + '/node_modules/'.length)
    const root = path.resolve(path.dirname(SAFE_NPM), '..')
    if (clean.startsWith(root)) return clean.slice(root.length + 1)
    return clean
  }
  const ownerOf = (url) => {
    if (!url) return '(native/VM)'
    if (url.startsWith('node:')) return 'node: internals'
    const rel = where(url)
    if (rel.startsWith('dist/')) return 'safe-npm (dist/)'
    const match = /^(@[^/]+\/[^/]+|[^/]+)/.exec(rel)
    return url.includes('/node_modules/') && match ? match[1] : rel
  }
  const keyOf = (frame) => `${frame.functionName || '(anonymous)'}  ${where(frame.url)}${frame.url ? `:${frame.lineNumber + 1}` : ''}`
  const bySelf = new Map()
  const byOwner = new Map()
  let total = 0
  for (const [id, us] of self) {
    const frame = nodes.get(id).callFrame
    total += us
    bySelf.set(keyOf(frame), (bySelf.get(keyOf(frame)) ?? 0) + us)
    const owner = ['(idle)', '(program)', '(garbage collector)'].includes(frame.functionName) ? frame.functionName : ownerOf(frame.url)
    byOwner.set(owner, (byOwner.get(owner) ?? 0) + us)
  }
  // inclusive time per function, counting a recursive function once per stack
  const inclusive = new Map()
  const totals = new Map()
  const totalOf = (id) => {
    if (totals.has(id)) return totals.get(id)
    const node = nodes.get(id)
    let sum = self.get(id) ?? 0
    for (const child of node.children ?? []) sum += totalOf(child)
    totals.set(id, sum)
    return sum
  }
  const root = profile.nodes[0].id
  const stack = new Map()
  const walk = (id) => {
    const node = nodes.get(id)
    const key = keyOf(node.callFrame)
    if (!stack.get(key)) inclusive.set(key, (inclusive.get(key) ?? 0) + totalOf(id))
    stack.set(key, (stack.get(key) ?? 0) + 1)
    for (const child of node.children ?? []) walk(child)
    stack.set(key, stack.get(key) - 1)
  }
  walk(root)
  const ms = (us) => `${(us / 1000).toFixed(0)}ms`
  const pct = (us) => `${((100 * us) / total).toFixed(1)}%`
  const sortTop = (map, n) => [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, n)
  const interesting = (key) => /(dist\/lib\/|arborist|pacote|make-fetch-happen|cacache|minipass-fetch|npm-pick-manifest|JSON)/.test(key) && !key.startsWith('(root)')
  return [
    `  profiled ${ms(total)} in ${path.basename(file)}`,
    '  by owner (self time):',
    ...sortTop(byOwner, 10).map(([owner, us]) => `    ${ms(us).padStart(7)} ${pct(us).padStart(6)}  ${owner}`),
    '  top functions by self time:',
    ...sortTop(bySelf, top).map(([key, us]) => `    ${ms(us).padStart(7)} ${pct(us).padStart(6)}  ${key}`),
    '  top safe-npm/Arborist/pacote functions by inclusive (synchronous) time:',
    ...sortTop(new Map([...inclusive].filter(([key]) => interesting(key))), top).map(([key, us]) => `    ${ms(us).padStart(7)} ${pct(us).padStart(6)}  ${key}`),
  ].join('\n')
}

// ---------------------------------------------------------------- npm against safe-npm

/** The median of safe-npm / npm within each round (runs in the same position of both lists). */
function pairRatio(npmRuns, safeRuns) {
  return median(safeRuns.map((run, index) => run.seconds / npmRuns[index].seconds))
}

/** The hypervisor's share of the CPU over these runs, as `min–max %`, or n/a. */
function stealOf(runs) {
  const shares = runs.map((run) => run.stealPercent).filter((share) => share !== null)
  if (shares.length === 0) return 'n/a'
  return `${Math.min(...shares).toFixed(0)}–${Math.max(...shares).toFixed(0)} %`
}

async function compareWithNpm(options, scenarios) {
  const roundsOf = (scenario) => (scenario.maxRounds ? (options.coldRounds ?? Math.min(options.rounds, scenario.maxRounds)) : options.rounds)
  const allRounds = Math.max(...scenarios.map(roundsOf))
  const fewer = scenarios.filter((scenario) => roundsOf(scenario) < allRounds)
  console.log(
    `rounds: ${options.rounds}${fewer.map((scenario) => `, ${scenario.id}: ${roundsOf(scenario)} (--cold-rounds)`).join('')}, order alternating npm/safe-npm\n`,
  )

  // 1. warm the cache; the installed tree it leaves is where noop and add-one start
  const ciScenario = SCENARIOS.find((scenario) => scenario.id === 'ci')
  const baseDir = prepareProject('installed-base', true)
  const warm = expectSuccess(await runTool('npm', ciScenario.npm, baseDir, { label: 'warm' }))
  warm.installed = installedCount(baseDir)
  if (!warm.installed) failRun(warm, 'left no node_modules/.package-lock.json: nothing was installed')
  ctx.installedBase = baseDir
  spawnSync('sync', [], { stdio: 'ignore' })
  console.log(`cache warmed: npm ci --ignore-scripts in ${secs(warm.seconds)} (${warm.installed - 1} packages installed; kept as the installed tree of noop/add-one)`)

  // 2. preflight: is the lockfile acceptable to the default policy?
  const preflightDir = prepareProject('preflight', true)
  const preflight = await runTool('safe-npm', ['check', '--lockfile', '--json'], preflightDir, { label: 'preflight' })
  let report = null
  try {
    report = JSON.parse(readOr(preflight.stdoutFile, ''))
  } catch {
    // handled below
  }
  if (!report || (preflight.code !== 0 && preflight.code !== 1)) failRun(preflight, `exited with code ${preflight.code}`)
  const blocking = report.findings.filter((finding) => finding.severity === 'block')
  if (blocking.length > 0) {
    console.error(`\nbench: the default policy blocks bench/project/package-lock.json (${blocking.length} finding(s)); safe-npm would exit 1 in every scenario:`)
    for (const finding of blocking.slice(0, 30)) {
      const data = finding.data ?? {}
      const when = data.published ? ` published ${data.published} (${data.age} old, limit ${data.limit})` : ''
      console.error(`  ${finding.code}  ${finding.package?.name}@${finding.package?.version}${when}`)
    }
    if (blocking.some((finding) => finding.code === 'minimum-release-age/too-young')) {
      console.error(
        '\nA locked version is younger than the minimum release age (3 days). Regenerate bench/project/package-lock.json ' +
          'with `npm install --package-lock-only --ignore-scripts --before=<a date at least a week ago>` (see bench/README.md).',
      )
    }
    process.exit(1)
  }
  const warnings = report.findings.map((finding) => `${finding.code} ${finding.package?.name}@${finding.package?.version}`)
  console.log(
    `preflight: safe-npm check --lockfile: ${report.result}, ${report.packageCount} packages judged in ${secs(preflight.seconds)}` +
      (warnings.length ? `; warnings: ${warnings.join(', ')}` : ''),
  )
  removeProject(preflightDir)

  // 3./4. rounds
  const results = new Map(scenarios.map((s) => [s.id, { npm: [], safe: [], warmup: null }]))
  const runPair = async (scenario, round, label) => {
    const order = round % 2 === 0 ? ['npm', 'safe-npm'] : ['safe-npm', 'npm']
    const pair = {}
    for (const tool of order) pair[tool] = await runScenario(scenario, tool, label)
    if (scenario.installs && pair.npm.installed !== pair['safe-npm'].installed) {
      console.log(`  note: ${scenario.id}: npm installed ${pair.npm.installed - 1} packages, safe-npm ${pair['safe-npm'].installed - 1}`)
    }
    return pair
  }
  if (options.warmup) {
    process.stdout.write('warm-up round (not in the medians):')
    for (const scenario of scenarios) {
      if (scenario.start === 'cold') continue // an empty cache has nothing to warm
      const pair = await runPair(scenario, 0, 'warmup')
      results.get(scenario.id).warmup = pair
      process.stdout.write(` ${scenario.id} ${secs(pair.npm.seconds)}/${secs(pair['safe-npm'].seconds)}`)
    }
    process.stdout.write('\n')
  }
  for (let round = 0; round < allRounds; round++) {
    process.stdout.write(`round ${round + 1}/${allRounds} (${round % 2 === 0 ? 'npm first' : 'safe-npm first'}):`)
    for (const scenario of scenarios) {
      if (round >= roundsOf(scenario)) continue
      const pair = await runPair(scenario, round, `r${round + 1}`)
      results.get(scenario.id).npm.push(pair.npm)
      results.get(scenario.id).safe.push(pair['safe-npm'])
      process.stdout.write(` ${scenario.id} ${secs(pair.npm.seconds)}/${secs(pair['safe-npm'].seconds)}`)
    }
    process.stdout.write('\n')
  }

  const rows = []
  for (const scenario of scenarios) {
    const { npm, safe, warmup } = results.get(scenario.id)
    const npmTime = median(npm.map((r) => r.seconds))
    const safeTime = median(safe.map((r) => r.seconds))
    rows.push([
      scenario.title,
      `npm ${scenario.npm.join(' ')}`,
      String(npm.length),
      secs(npmTime),
      secs(safeTime),
      `${(safeTime / npmTime).toFixed(2)}x`,
      `${(Math.min(...safe.map((r) => r.seconds)) / Math.min(...npm.map((r) => r.seconds))).toFixed(2)}x`,
      cpuOf(npm),
      cpuOf(safe),
      cpuOf(npm) === 'n/a' || cpuOf(safe) === 'n/a' ? 'n/a' : `${(medianCpu(safe) / medianCpu(npm)).toFixed(2)}x`,
      mib(max(npm.map((r) => r.rssKiB))),
      mib(max(safe.map((r) => r.rssKiB))),
      safe.map((r) => r.code).join(','),
      warmup ? `${secs(warmup.npm.seconds)}/${secs(warmup['safe-npm'].seconds)}` : '-',
      `${pairRatio(npm, safe).toFixed(2)}x`,
      stealOf([...npm, ...safe]),
    ])
  }
  console.log(`\nResults: median wall time of the timed rounds; CPU = median user+sys time (steadier than wall time on a loaded machine); peak RSS = max over rounds\n`)
  console.log(
    table(['scenario', 'npm command', 'rounds', 'npm', 'safe-npm', 'ratio', 'ratio of mins', 'npm CPU', 'safe-npm CPU', 'CPU ratio', 'npm RSS', 'safe-npm RSS', 'safe-npm exit', 'warm-up npm/safe', 'pair ratio', 'steal'], rows),
  )
  console.log(
    'pair ratio = median over rounds of safe-npm / npm within a round (the two run back to back, so a slow hour slows both); ' +
      'steal = the share of the machine\'s CPU the hypervisor took during the runs (min–max over runs, /proc/stat)',
  )
  console.log('\nsafe-npm commands: ' + scenarios.map((s) => `${s.id}: safe-npm ${s.safe.join(' ')}`).join('; '))
  for (const { id, target } of scenarios) {
    if (!target) continue
    const { npm, safe } = results.get(id)
    const ratio = median(safe.map((r) => r.seconds)) / median(npm.map((r) => r.seconds))
    const ofMins = Math.min(...safe.map((r) => r.seconds)) / Math.min(...npm.map((r) => r.seconds))
    console.log(
      `target: ${id} ratio <= ${target.toFixed(2)}: ${ratio <= target ? 'met' : 'NOT met'} ` +
        `(median ${ratio.toFixed(2)}x, of fastest runs ${ofMins.toFixed(2)}x, median pair ratio ${pairRatio(npm, safe).toFixed(2)}x, steal ${stealOf([...npm, ...safe])})`,
    )
  }

  // 5. observation round
  if (options.observe) {
    console.log('\nObservation round (not timed; bench/observe.mjs preloaded): network requests and JSON parsing per command')
    const rowsObs = []
    for (const scenario of scenarios) {
      for (const tool of ['npm', 'safe-npm']) {
        const outFile = path.join(ctx.logs, `observe-${scenario.id}-${tool}.json`)
        const result = await runScenario(scenario, tool, 'observe', {
          nodeFlags: ['--import', pathToFileURL(OBSERVER).href],
          env: { BENCH_OBSERVE_OUT: outFile, ...(tool === 'safe-npm' ? { BENCH_PHASES: '1' } : {}) },
        })
        const obs = JSON.parse(readOr(outFile, 'null') ?? 'null')
        if (!obs) failRun(result, 'wrote no observation')
        const fmt = (bucket) => {
          const entries = Object.entries(bucket)
          const sum = entries.reduce((n, [, c]) => n + c, 0)
          return sum === 0 ? '0' : `${sum} (${entries.map(([s, c]) => `${s}:${c}`).join(' ')})`
        }
        rowsObs.push([
          `${scenario.id}`,
          tool,
          secs(result.seconds),
          fmt(obs.requests.packument),
          fmt(obs.requests.tarball),
          fmt(obs.requests.other),
          `${obs.json.count} / ${(obs.json.bytes / 1048576).toFixed(1)} MiB / ${Math.round(obs.json.ms)}ms`,
        ])
        if (obs.phases.length) {
          const marks = [...obs.phases, { ms: obs.exitMs, text: 'exit' }]
          const spans = obs.phases.map((phase, i) => `${phase.text.replace(/ \(.*\)$/, '')} ${((marks[i + 1].ms - phase.ms) / 1000).toFixed(2)}s`)
          rowsObs[rowsObs.length - 1].push(`startup ${(obs.phases[0].ms / 1000).toFixed(2)}s; ${spans.join('; ')}`)
        } else rowsObs[rowsObs.length - 1].push('')
      }
    }
    console.log(table(['scenario', 'tool', 'time', 'packument GETs (status:n)', 'tarball GETs', 'other /-/ requests', 'JSON.parse >=16KiB: n / size / time', 'safe-npm phases'], rowsObs))
  }

  // 6. CPU profiles
  if (options.profile) {
    console.log('\nCPU profiles (one run each, --cpu-prof):')
    for (const scenario of scenarios) {
      for (const tool of ['npm', 'safe-npm']) {
        const profDir = path.join(ctx.logs, `prof-${scenario.id}-${tool}`)
        fs.mkdirSync(profDir, { recursive: true })
        const result = await runScenario(scenario, tool, 'profile', { nodeFlags: ['--cpu-prof', '--cpu-prof-dir', profDir] })
        const profiles = fs.readdirSync(profDir).filter((file) => file.endsWith('.cpuprofile'))
        console.log(`\n${tool} ${(tool === 'npm' ? scenario.npm : scenario.safe).join(' ')} [${scenario.id}] ${secs(result.seconds)}`)
        for (const file of profiles) console.log(analyseProfile(path.join(profDir, file)))
      }
    }
  }
}

// ---------------------------------------------------------------- main

async function main() {
  const options = parseArguments(process.argv.slice(2))
  const wanted = options.scenarios ?? DEFAULT_SCENARIOS
  const scenarios = SCENARIOS.filter((s) => wanted.includes(s.id))
  const withRegistry = wanted.includes(REGISTRY_SCENARIO)
  if (options.scenarios && scenarios.length + Number(withRegistry) !== options.scenarios.length) {
    fail(`unknown scenario in ${options.scenarios.join(',')}; known: ${[...SCENARIOS.map((s) => s.id), REGISTRY_SCENARIO].join(',')}`)
  }
  if (options.safeNpm) SAFE_NPM = options.safeNpm
  for (const file of [SAFE_NPM, path.join(path.dirname(SAFE_NPM), '..', 'dist', 'lib', 'cli', 'main.js'), path.join(PROJECT_DIR, 'package.json'), path.join(PROJECT_DIR, 'package-lock.json')]) {
    if (!fs.existsSync(file)) fail(`missing ${path.relative(REPO_DIR, file)} (run npm run build first, or restore bench/project)`)
  }

  const tmp = fs.mkdtempSync(path.join(options.tmpdir ?? os.tmpdir(), 'safe-npm-bench-'))
  const home = path.join(tmp, 'home')
  fs.mkdirSync(home)
  const npmrc = path.join(home, '.npmrc')
  fs.writeFileSync(npmrc, 'registry=https://registry.npmjs.org/\naudit=false\nfund=false\nupdate-notifier=false\n')
  Object.assign(ctx, {
    tmp,
    keep: options.keep,
    runs: path.join(tmp, 'runs'),
    logs: path.join(tmp, 'logs'),
    cache: path.join(tmp, 'npm-cache'),
    npmCli: findNpmCli(),
  })
  fs.mkdirSync(ctx.runs)
  fs.mkdirSync(ctx.logs)
  ctx.env = benchEnv(home, npmrc, ctx.cache)
  ctx.rssMethod = pickRssMethod(tmp, options.rssPreload)
  const cleanup = () => {
    if (!ctx.keep) fs.rmSync(tmp, { recursive: true, force: true })
  }
  process.on('exit', cleanup)

  const npmVersion = spawnSync(process.execPath, [ctx.npmCli, '--version'], { env: ctx.env, encoding: 'utf8' }).stdout.trim()
  const lock = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, 'package-lock.json'), 'utf8'))
  const lockedCount = Object.keys(lock.packages ?? {}).length - 1
  console.log(`safe-npm benchmark: bench/project (${lockedCount} packages in package-lock.json)`)
  console.log(`node ${process.version}, npm ${npmVersion} (${ctx.npmCli}), ${os.cpus().length} CPUs, ${os.platform()}`)
  console.log(`safe-npm ${SAFE_NPM}; temp dir ${tmp}; shared npm cache ${ctx.cache}`)
  console.log(`peak RSS and CPU time via ${ctx.rssMethod === 'gnu-time' ? '/usr/bin/time -f "%M %U %S" (max RSS of the command, KiB; user, sys s)' : 'process.resourceUsage() at exit (preload)'}`)
  if (scenarios.length > 0) await compareWithNpm(options, scenarios)
  if (withRegistry) {
    await runRegistryBench({
      npmCli: ctx.npmCli,
      tmp,
      projectDir: PROJECT_DIR,
      rounds: options.rounds,
      clients: options.clients,
      profile: options.profile,
      baseEnv: benchEnv,
      keep: () => {
        ctx.keep = true
      },
      median,
      secs,
      table,
      fail,
      analyseProfile,
    })
  }
  if (options.keep) console.log(`\nkept ${tmp}`)
}

await main()
