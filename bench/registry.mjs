// The registry scenario of npm run bench (node bench/run.js --scenarios registry):
// the safe-npm Verdaccio filter under load. Two Verdaccio 6 processes (the
// devDependency), one with the filter plugin and one without, each on its own
// copy of ONE warm storage (filled by a first `npm ci` through Verdaccio from
// its uplink, the machine's registry), with an uplink maxage long enough that
// neither asks the uplink again during the run. For N clients (1, 4, 8 by
// default) at once, each with its own empty npm cache and project copy:
//   - ci: every client runs `npm ci --ignore-scripts` of bench/project through
//     the Verdaccio under test (tarballs only: npm ci reads no packument, but
//     with a filter Verdaccio loads and filters the packument of every tarball
//     it serves, to refuse the tarballs of removed versions);
//   - packuments: every client GETs the packument of every name in the
//     lockfile, 16 at a time, with npm's abbreviated Accept header (what a
//     resolving npm install or pnpm does).
// Both variants run in the same round, alternating which goes first. Reported:
// batch wall time (median over rounds) and its ratio, installs/min and
// packuments/s, p95 latency per request kind measured inside Verdaccio
// (bench/verdaccio-probe.mjs, arrival to last byte), Verdaccio's CPU time
// (/proc/<pid>/stat) and peak RSS (VmHWM, reset through clear_refs before each
// batch, plus the RSS after the last round, to see growth).
import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'

const require = createRequire(import.meta.url)
const PROBE = path.join(path.dirname(new URL(import.meta.url).pathname), 'verdaccio-probe.mjs')
const ABBREVIATED = 'application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*'
const PLUGIN_ID = 'safe-npm'
const PLUGIN = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', 'dist', 'lib', 'registry', 'verdaccio-filter.js')

/** Verdaccio processes still running: stopped when the benchmark exits, however it ends. */
const running = new Set()
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL')
})
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => process.exit(130))

/**
 * The denied version that proves the filter is loaded: Verdaccio without it serves it, with it not.
 * A stand-in (the registry itself no longer serves the malicious event-stream@3.3.6).
 */
const PROOF = { name: 'event-stream', version: '4.0.1' }

/** An organisation policy as the README shows it: release age, a deny list file, denied names; typosquatting and the rest at their defaults. */
function writePolicy(dir) {
  fs.writeFileSync(path.join(dir, 'malware.txt'), '# known-bad versions\nevent-stream@3.3.6\nflatmap-stream@0.1.1\nua-parser-js@0.7.29\nua-parser-js@0.8.0\nua-parser-js@1.0.0\ncoa@2.0.3\nrc@1.2.9\n')
  const policy = {
    minimumReleaseAge: { age: '3d' },
    packages: { deny: [`${PROOF.name}@${PROOF.version}`, '@evil/*'] },
    intel: { denyLists: ['malware.txt'] },
    registries: { private: { 'acme-*': 'http://127.0.0.1:1/' } },
  }
  const file = path.join(dir, 'safe-npm.json')
  fs.writeFileSync(file, `${JSON.stringify(policy, null, 2)}\n`)
  return file
}

async function freePort() {
  const { createServer } = await import('node:net')
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

function configYaml({ storage, port, uplink, pluginsDir, filter }) {
  const lines = [
    `storage: ${JSON.stringify(storage)}`,
    `plugins: ${JSON.stringify(pluginsDir)}`,
    `listen: 127.0.0.1:${port}`,
    'auth:',
    '  htpasswd:',
    `    file: ${JSON.stringify(path.join(path.dirname(storage), 'htpasswd'))}`,
    '    max_users: -1',
    'web:',
    '  enable: false',
    'server:',
    '  keepAliveTimeout: 60',
    'log: { type: stdout, format: json, level: warn }',
    'uplinks:',
    '  registry:',
    `    url: ${JSON.stringify(uplink)}`,
    '    cache: true',
    // served from storage for the whole run: the uplink is asked only while warming
    '    maxage: 30d',
    '    timeout: 60s',
    '    max_fails: 20',
    'packages:',
    '  "**":',
    '    access: $all',
    '    publish: $authenticated',
    '    proxy: registry',
  ]
  if (filter) lines.push('filters:', `  ${PLUGIN_ID}: ${JSON.stringify(filter)}`)
  return `${lines.join('\n')}\n`
}

function procStatus(pid) {
  const text = fs.readFileSync(`/proc/${pid}/status`, 'utf8')
  const kib = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN)
  return { hwm: kib('VmHWM'), rss: kib('VmRSS') }
}

const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100
function cpuSeconds(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS
}

/** Peak RSS counts from now (Linux: writing 5 to clear_refs resets VmHWM to the current RSS). */
function resetPeak(pid) {
  try {
    fs.writeFileSync(`/proc/${pid}/clear_refs`, '5')
    return true
  } catch {
    return false
  }
}

async function startVerdaccio({ name, dir, storage, uplink, filter, env, nodeFlags = [] }) {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}/`
  const pluginsDir = path.join(dir, 'plugins')
  fs.mkdirSync(pluginsDir, { recursive: true })
  // The README's shim: Verdaccio requires `verdaccio-<id>` from its plugins folder.
  if (filter) fs.writeFileSync(path.join(pluginsDir, `verdaccio-${PLUGIN_ID}.js`), `module.exports = require(${JSON.stringify(PLUGIN)});\n`)
  fs.writeFileSync(path.join(dir, 'htpasswd'), '')
  const config = path.join(dir, 'config.yaml')
  fs.writeFileSync(config, configYaml({ storage, port, uplink, pluginsDir, filter: filter?.(url) }))
  const bin = path.join(path.dirname(require.resolve('verdaccio/package.json')), 'bin', 'verdaccio')
  const log = fs.openSync(path.join(dir, 'verdaccio.log'), 'a')
  const child = spawn(process.execPath, [...nodeFlags, '--import', pathToFileURL(PROBE).href, bin, '--config', config], {
    cwd: dir,
    env,
    stdio: ['ignore', log, log],
  })
  fs.closeSync(log)
  const exited = new Promise((resolve) => child.once('exit', resolve))
  running.add(child)
  exited.then(() => running.delete(child))
  for (let waited = 0; ; waited += 100) {
    if (child.exitCode !== null) throw new Error(`verdaccio (${name}) exited with ${child.exitCode}; see ${path.join(dir, 'verdaccio.log')}`)
    if (waited > 60_000) throw new Error(`verdaccio (${name}) did not answer within 60 s`)
    try {
      if ((await fetch(new URL('-/ping', url))).ok) break
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return {
    name,
    url,
    pid: child.pid,
    dir,
    async probe() {
      return (await fetch(new URL('-/bench-probe', url))).json()
    },
    async close() {
      if (child.exitCode === null) {
        child.kill('SIGTERM')
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
        await exited
        clearTimeout(timer)
      }
    },
  }
}

function lockedNames(projectDir) {
  const lock = JSON.parse(fs.readFileSync(path.join(projectDir, 'package-lock.json'), 'utf8'))
  const names = new Set()
  for (const [location, entry] of Object.entries(lock.packages ?? {})) {
    if (!location) continue
    names.add(entry.name ?? location.slice(location.lastIndexOf('node_modules/') + 'node_modules/'.length))
  }
  return [...names].sort()
}

const percentile = (values, p) => {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]
}

/**
 * @param {object} bench what run.js shares: npmCli, tmp, projectDir, rounds, clients (numbers),
 *   baseEnv(home, npmrc, cache), median, secs, table, fail, log
 */
export async function runRegistryBench(bench) {
  const { median, secs, table, fail } = bench
  const root = path.join(bench.tmp, 'registry')
  fs.mkdirSync(root, { recursive: true })
  const uplink = spawnSync(process.execPath, [bench.npmCli, 'config', 'get', 'registry'], { encoding: 'utf8', env: bench.baseEnv(os.homedir(), path.join(root, 'none'), path.join(root, 'none-cache')) }).stdout.trim() || 'https://registry.npmjs.org/'
  const policyFile = writePolicy(root)
  const env = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_/i.test(key) || /^node_options$/i.test(key)) continue
    env[key] = value
  }
  const names = lockedNames(bench.projectDir)
  console.log(`\nregistry scenario: Verdaccio ${require('verdaccio/package.json').version} with and without the safe-npm filter, uplink ${uplink}; clients ${bench.clients.join(', ')}; rounds ${bench.rounds}; ${names.length} names in the lockfile`)
  console.log(`policy: ${policyFile} (${fs.readFileSync(policyFile, 'utf8').replace(/\s+/g, ' ').trim()})`)

  let clientSerial = 0
  const runClients = async (verdaccio, count, label) => {
    const runs = []
    for (let i = 0; i < count; i++) {
      const id = `${label}-${++clientSerial}`
      const dir = path.join(root, 'clients', id)
      const home = path.join(dir, 'home')
      const project = path.join(dir, 'project')
      fs.mkdirSync(home, { recursive: true })
      fs.mkdirSync(project, { recursive: true })
      fs.copyFileSync(path.join(bench.projectDir, 'package.json'), path.join(project, 'package.json'))
      fs.copyFileSync(path.join(bench.projectDir, 'package-lock.json'), path.join(project, 'package-lock.json'))
      const npmrc = path.join(home, '.npmrc')
      fs.writeFileSync(npmrc, `registry=${verdaccio.url}\naudit=false\nfund=false\nupdate-notifier=false\n`)
      runs.push({ id, dir, project, env: bench.baseEnv(home, npmrc, path.join(dir, 'npm-cache')) })
    }
    const started = process.hrtime.bigint()
    const codes = await Promise.all(
      runs.map(
        (run) =>
          new Promise((resolve, reject) => {
            const out = fs.openSync(path.join(run.dir, 'npm.log'), 'w')
            const child = spawn(process.execPath, [bench.npmCli, 'ci', '--ignore-scripts'], { cwd: run.project, env: run.env, stdio: ['ignore', out, out] })
            child.on('error', reject)
            child.on('exit', (code, signal) => {
              fs.closeSync(out)
              resolve(code ?? (signal ? 128 : 1))
            })
          }),
      ),
    )
    const seconds = Number(process.hrtime.bigint() - started) / 1e9
    codes.forEach((code, i) => {
      if (code !== 0) {
        bench.keep()
        fail(`npm ci through ${verdaccio.name} exited with ${code}; see ${path.join(runs[i].dir, 'npm.log')}\n${fs.readFileSync(path.join(runs[i].dir, 'npm.log'), 'utf8').split('\n').slice(-15).join('\n')}`)
      }
    })
    const installed = runs.map((run) => Object.keys(JSON.parse(fs.readFileSync(path.join(run.project, 'node_modules', '.package-lock.json'), 'utf8')).packages ?? {}).length)
    for (const run of runs) fs.rmSync(run.dir, { recursive: true, force: true })
    return { seconds, installed }
  }

  const sweepPackuments = async (verdaccio, count) => {
    const started = process.hrtime.bigint()
    const statuses = {}
    await Promise.all(
      Array.from({ length: count }, async () => {
        const queue = [...names]
        await Promise.all(
          Array.from({ length: 16 }, async () => {
            for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
              const answer = await fetch(new URL(name.replace('/', '%2f'), verdaccio.url), { headers: { accept: ABBREVIATED } })
              await answer.arrayBuffer()
              statuses[answer.status] = (statuses[answer.status] ?? 0) + 1
            }
          }),
        )
      }),
    )
    return { seconds: Number(process.hrtime.bigint() - started) / 1e9, statuses }
  }

  // 1. warm one storage through a plain Verdaccio: packuments and tarballs from the uplink
  const warmDir = path.join(root, 'warm')
  fs.mkdirSync(warmDir, { recursive: true })
  const warmStorage = path.join(warmDir, 'storage')
  const warming = await startVerdaccio({ name: 'warming', dir: warmDir, storage: warmStorage, uplink, env })
  try {
    const warm = await runClients(warming, 1, 'warm')
    await fetch(new URL(PROOF.name, warming.url)).then((answer) => answer.arrayBuffer())
    const sweep = await sweepPackuments(warming, 1)
    console.log(`storage warmed: npm ci through Verdaccio from ${uplink} in ${secs(warm.seconds)} (${warm.installed[0] - 1} packages), packuments ${secs(sweep.seconds)} ${JSON.stringify(sweep.statuses)}`)
  } finally {
    await warming.close()
  }
  const storageBytes = Number(spawnSync('du', ['-sk', warmStorage], { encoding: 'utf8' }).stdout.split('\t')[0]) * 1024
  console.log(`warm storage: ${(storageBytes / 1048576).toFixed(0)} MiB; each Verdaccio gets a copy (cp -a)`)

  // 2. both variants on copies of it, long-lived for the whole run
  const variants = {}
  for (const name of ['plain', 'filter']) {
    const dir = path.join(root, name)
    fs.mkdirSync(dir, { recursive: true })
    const copy = spawnSync('cp', ['-a', warmStorage, path.join(dir, 'storage')], { encoding: 'utf8' })
    if (copy.status !== 0) fail(`cp -a ${warmStorage} failed: ${copy.stderr}`)
    variants[name] = await startVerdaccio({
      name,
      dir,
      storage: path.join(dir, 'storage'),
      uplink,
      env,
      nodeFlags: bench.profile && name === 'filter' ? ['--cpu-prof', '--cpu-prof-dir', path.join(dir, 'prof')] : [],
      filter: name === 'filter' ? (url) => ({ policy: policyFile, url, cacheDir: path.join(dir, 'safe-npm-cache') }) : null,
    })
  }
  const canResetPeak = resetPeak(variants.plain.pid)
  // Without this a misconfigured plugin would go unnoticed: Verdaccio only logs that it could not load it.
  for (const [name, shouldServe] of [['plain', true], ['filter', false]]) {
    const doc = await (await fetch(new URL(PROOF.name, variants[name].url))).json()
    if (Boolean(doc.versions?.[PROOF.version]) !== shouldServe) {
      bench.keep()
      fail(`verdaccio (${name}) ${shouldServe ? 'does not serve' : 'serves'} the denied ${PROOF.name}@${PROOF.version}: the filter is ${shouldServe ? 'loaded where it should not be' : 'not loaded'}; see ${path.join(variants[name].dir, 'verdaccio.log')}`)
    }
  }
  console.log(`filter loaded: ${PROOF.name}@${PROOF.version} (denied by the policy) is served without it and not with it`)

  try {
    // 3. a warm-up round (N = 1, not counted): page cache, the filter's feed and facts caches
    process.stdout.write('registry warm-up (N=1, not counted):')
    for (const name of ['plain', 'filter']) {
      const ci = await runClients(variants[name], 1, `warmup-${name}`)
      const sweep = await sweepPackuments(variants[name], 1)
      await variants[name].probe()
      process.stdout.write(` ${name} ci ${secs(ci.seconds)} packuments ${secs(sweep.seconds)} ${JSON.stringify(sweep.statuses)}`)
    }
    process.stdout.write('\n')

    // 4. timed rounds
    const results = []
    let round = 0
    for (const count of bench.clients) {
      for (let r = 0; r < bench.rounds; r++, round++) {
        const order = round % 2 === 0 ? ['plain', 'filter'] : ['filter', 'plain']
        process.stdout.write(`N=${count} round ${r + 1}/${bench.rounds} (${order[0]} first, load ${os.loadavg()[0].toFixed(1)}):`)
        for (const name of order) {
          const verdaccio = variants[name]
          resetPeak(verdaccio.pid)
          const cpu0 = cpuSeconds(verdaccio.pid)
          const ci = await runClients(verdaccio, count, `r${round}-${name}`)
          const ciCpu = cpuSeconds(verdaccio.pid) - cpu0
          const ciProbe = await verdaccio.probe()
          const cpu1 = cpuSeconds(verdaccio.pid)
          const sweep = await sweepPackuments(verdaccio, count)
          const sweepCpu = cpuSeconds(verdaccio.pid) - cpu1
          const sweepProbe = await verdaccio.probe()
          const memory = procStatus(verdaccio.pid)
          results.push({ count, name, ci, ciCpu, ciProbe, sweep, sweepCpu, sweepProbe, memory })
          process.stdout.write(` ${name} ci ${secs(ci.seconds)} packuments ${secs(sweep.seconds)}`)
        }
        process.stdout.write('\n')
      }
    }

    // 5. the table
    const rows = []
    const summary = []
    for (const count of bench.clients) {
      const of = (name) => results.filter((result) => result.count === count && result.name === name)
      const plain = of('plain')
      const filter = of('filter')
      const ciTime = (runs) => median(runs.map((run) => run.ci.seconds))
      const sweepTime = (runs) => median(runs.map((run) => run.sweep.seconds))
      const p95 = (runs, probe, kind) => percentile(runs.flatMap((run) => run[probe][kind].map(([ms]) => ms)), 95)
      const ms = (value) => (value === null ? '-' : `${value.toFixed(1)}ms`)
      const peak = (runs) => Math.max(...runs.map((run) => run.memory.hwm))
      const ratio = ciTime(filter) / ciTime(plain)
      const ciCpuRatio = median(filter.map((run) => run.ciCpu)) / median(plain.map((run) => run.ciCpu))
      const pieces = (runs) => [
        secs(ciTime(runs)),
        `${((count / ciTime(runs)) * 60).toFixed(1)}`,
        ms(p95(runs, 'ciProbe', 'tarball')),
        secs(median(runs.map((run) => run.ciCpu))),
        `${((count * names.length) / sweepTime(runs)).toFixed(0)}`,
        ms(p95(runs, 'sweepProbe', 'packument')),
        `${Math.round(peak(runs) / 1024)} MiB`,
      ]
      rows.push([`N=${count} plain`, ...pieces(plain), '', ''])
      rows.push([`N=${count} filter`, ...pieces(filter), `${ratio.toFixed(2)}x`, `${ciCpuRatio.toFixed(2)}x`])
      summary.push({ count, ratio, sweepRatio: sweepTime(filter) / sweepTime(plain) })
    }
    console.log(`\nRegistry results: medians over ${bench.rounds} round(s); latency measured inside Verdaccio (arrival to last byte); peak RSS = VmHWM${canResetPeak ? ' reset before each batch' : ' since start (clear_refs not writable)'}, max over rounds\n`)
    console.log(
      table(
        ['variant', 'ci wall', 'installs/min', 'p95 tarball', 'Verdaccio CPU (ci)', 'packuments/s', 'p95 packument', 'peak RSS', 'ci wall ratio', 'CPU ratio'],
        rows,
      ),
    )
    for (const { count, ratio, sweepRatio } of summary) {
      console.log(`N=${count}: ci wall ratio ${ratio.toFixed(2)}${count === Math.max(...bench.clients) ? ` (target <= 1.10: ${ratio <= 1.1 ? 'met' : 'NOT met'})` : ''}; packument sweep wall ratio ${sweepRatio.toFixed(2)}`)
    }
    const last = (name) => results.filter((result) => result.name === name).at(-1).memory
    console.log(`RSS after the last round: plain ${Math.round(last('plain').rss / 1024)} MiB, filter ${Math.round(last('filter').rss / 1024)} MiB`)
    console.log(`load average at the end: ${os.loadavg().map((value) => value.toFixed(1)).join(' ')}`)
  } finally {
    await Promise.all(Object.values(variants).map((verdaccio) => verdaccio.close()))
  }
  if (bench.profile) {
    const profDir = path.join(variants.filter.dir, 'prof')
    for (const file of fs.existsSync(profDir) ? fs.readdirSync(profDir) : []) {
      console.log(`\nCPU profile of the Verdaccio with the filter (whole run):\n${bench.analyseProfile(path.join(profDir, file))}`)
    }
  }
}
