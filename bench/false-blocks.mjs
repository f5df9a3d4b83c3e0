#!/usr/bin/env node
// npm run measure:false-blocks: does the embedded default policy block
// ordinary, healthy packages? Runs `safe-npm check --json` (resolution, no
// install) on the current versions of the most-downloaded packages (the list
// in bench/real-projects/top-downloads.txt, in batches) and on the real project
// shapes in bench/real-projects/<shape>/, and prints every block and warning.
// Needs the registry; not part of npm test.
//
//   node bench/false-blocks.mjs [--top N] [--batch N] [--shapes a,b] [--no-top] [--no-shapes] [--json FILE]
//
// Exit code: 0 when nothing was blocked, 1 when something was (or a run failed).
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url))
const SHAPES_DIR = path.join(BENCH_DIR, 'real-projects')
const SAFE_NPM = path.join(BENCH_DIR, '..', 'bin', 'safe-npm.js')

function parseArguments(argv) {
  const options = { top: 1000, batch: 40, shapes: null, runTop: true, runShapes: true, json: null }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    const value = () => {
      const next = argv[++i]
      if (next === undefined) throw new Error(`${arg} needs a value`)
      return next
    }
    if (arg === '--top') options.top = Number(value())
    else if (arg === '--batch') options.batch = Number(value())
    else if (arg === '--shapes') options.shapes = value().split(',')
    else if (arg === '--no-top') options.runTop = false
    else if (arg === '--no-shapes') options.runShapes = false
    else if (arg === '--json') options.json = value()
    else throw new Error(`unknown option ${arg}`)
  }
  return options
}

/** A clean npm environment: a temp HOME and userconfig, one shared cache, no inherited npm_config_*. */
function environment(home, cache) {
  const env = {}
  for (const [key, value] of Object.entries(process.env)) if (!/^(npm_|safe_npm_)/i.test(key)) env[key] = value
  fs.writeFileSync(path.join(home, '.npmrc'), 'audit=false\nfund=false\nupdate-notifier=false\n')
  return { ...env, HOME: home, npm_config_userconfig: path.join(home, '.npmrc'), npm_config_cache: cache }
}

function run(args, cwd, env) {
  return new Promise((resolve) => {
    const started = Date.now()
    const child = spawn(process.execPath, [SAFE_NPM, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('close', (code) => resolve({ code, stdout, stderr, seconds: (Date.now() - started) / 1000 }))
  })
}

async function checkProject(dir, env) {
  const result = await run(['check', '--json', '--legacy-peer-deps'], dir, env)
  let report
  try {
    report = JSON.parse(result.stdout)
  } catch {
    report = null
  }
  return { ...result, report }
}

const summarise = (finding) => ({
  code: finding.code,
  severity: finding.severity,
  package: `${finding.package.name}@${finding.package.version}`,
  path: finding.path.join(' > '),
  message: finding.message,
})

async function main() {
  const options = parseArguments(process.argv.slice(2))
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'safe-npm-false-blocks-'))
  const home = path.join(work, 'home')
  fs.mkdirSync(home)
  const env = environment(home, path.join(work, 'cache'))
  const results = []

  if (options.runShapes) {
    const shapes = options.shapes ?? fs.readdirSync(SHAPES_DIR).filter((entry) => fs.existsSync(path.join(SHAPES_DIR, entry, 'package.json')))
    for (const shape of shapes) {
      const dir = path.join(work, 'shapes', shape)
      fs.cpSync(path.join(SHAPES_DIR, shape), dir, { recursive: true })
      const result = await checkProject(dir, env)
      results.push({ kind: 'shape', name: shape, ...result })
      console.error(`shape ${shape}: exit ${result.code}, ${result.report?.packageCount ?? '?'} packages, ${result.seconds.toFixed(1)}s`)
    }
  }

  if (options.runTop) {
    const names = fs
      .readFileSync(path.join(SHAPES_DIR, 'top-downloads.txt'), 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'))
      .slice(0, options.top)
    for (let start = 0; start < names.length; start += options.batch) {
      const batch = names.slice(start, start + options.batch)
      const dir = path.join(work, 'top', String(start))
      fs.mkdirSync(dir, { recursive: true })
      const dependencies = Object.fromEntries(batch.map((name) => [name, 'latest']))
      fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: `top-${start}`, version: '1.0.0', private: true, dependencies }, null, 2))
      const result = await checkProject(dir, env)
      console.error(`top ${start + 1}-${start + batch.length}: exit ${result.code}, ${result.report?.packageCount ?? '?'} packages, ${result.seconds.toFixed(1)}s`)
      if (result.report && result.report.result !== 'error') {
        results.push({ kind: 'top', name: `top ${start + 1}-${start + batch.length}`, ...result })
        continue
      }
      // A batch that does not resolve together (conflicting peers, a name gone from
      // the registry) is checked one package at a time, so one bad name hides nothing.
      for (const name of batch) {
        const single = path.join(dir, name.replace('/', '__'))
        fs.mkdirSync(single, { recursive: true })
        fs.writeFileSync(path.join(single, 'package.json'), JSON.stringify({ name: 'top-single', version: '1.0.0', private: true, dependencies: { [name]: 'latest' } }, null, 2))
        const alone = await checkProject(single, env)
        results.push({ kind: 'top', name, ...alone })
        if (!alone.report || alone.report.result === 'error') console.error(`  ${name}: exit ${alone.code}: ${alone.stderr.trim().split('\n')[0]}`)
      }
    }
  }

  let blocked = 0
  let failed = 0
  const warnings = new Map()
  console.log('\n| project | packages | exit | blocks | warnings | time |')
  console.log('|---|---|---|---|---|---|')
  for (const result of results) {
    const findings = result.report?.findings ?? []
    const blocks = findings.filter((finding) => finding.severity === 'block')
    const warns = findings.filter((finding) => finding.severity === 'warn')
    blocked += blocks.length
    const isFailure = !result.report || result.report.result === 'error'
    if (isFailure) failed++
    for (const finding of warns) {
      const key = `${finding.code} ${finding.package.name}@${finding.package.version}`
      if (!warnings.has(key)) warnings.set(key, summarise(finding))
    }
    console.log(`| ${result.name} | ${result.report?.packageCount ?? '?'} | ${result.code} | ${blocks.length} | ${warns.length} | ${result.seconds.toFixed(1)}s |`)
    for (const finding of blocks) console.log(`|   BLOCK ${finding.code} | ${finding.package.name}@${finding.package.version} | | | ${finding.path.join(' > ')} | |`)
    if (isFailure) console.log(`|   FAILED | ${result.stderr.trim().split('\n').slice(-1)[0] ?? ''} | | | | |`)
  }
  console.log(`\nblocks: ${blocked}; runs without a report: ${failed}; distinct warnings: ${warnings.size}`)
  const byCode = new Map()
  for (const warning of warnings.values()) byCode.set(warning.code, [...(byCode.get(warning.code) ?? []), warning.package])
  for (const [code, packages] of [...byCode].sort()) console.log(`  ${code} (${packages.length}): ${packages.sort().join(', ')}`)
  if (options.json) fs.writeFileSync(options.json, JSON.stringify(results.map(({ stdout: _stdout, ...rest }) => rest), null, 2))
  fs.rmSync(work, { recursive: true, force: true })
  process.exitCode = blocked > 0 || failed > 0 ? 1 : 0
}

main().catch((error) => {
  console.error(`false-blocks: ${error.message}`)
  process.exitCode = 2
})
