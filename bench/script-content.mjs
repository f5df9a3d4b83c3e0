#!/usr/bin/env node
// npm run measure:script-content: how often would the install-script content
// heuristics (lib/heuristics/script-content.ts) raise an unreviewed script to
// a block on ordinary packages? Reads the current version of each of the most
// downloaded packages (bench/real-projects/top-downloads.txt) through pacote
// and npm's cache, and for those with install scripts reads the tarball as
// safe-npm does (lib/npm/tarball-manifest.ts: package.json, the files the
// scripts run and what those refer to; nothing is executed), then the
// incident fixtures of test/fixtures/script-content/. Prints every
// escalation. Needs the registry; not part of npm test.
//
//   node bench/script-content.mjs [--top N] [--wide] [--cache DIR] [--json FILE] [--no-fixtures]
//
// --wide takes the first N names of npm-high-impact's npmTopDownloads (15,916
// names) instead of the 1,000-name list, for a larger sample of install scripts;
// --packages a@1.2.3,b takes these specs instead (older versions of well-known
// installers: node-sass, puppeteer, cypress, husky 4…).
//
// Exit code: 0 when no top package escalates and every incident fixture does, 1 otherwise.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import pacote from 'pacote'
import { readTarballManifest } from '../lib/npm/tarball-manifest.ts'
import { describeShapes, judgeInstallScripts } from '../lib/heuristics/script-content.ts'
import { mapConcurrently } from '../lib/model/concurrency.ts'

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url))
const FIXTURES = path.join(BENCH_DIR, '..', 'test', 'fixtures', 'script-content')
const INSTALL_EVENTS = ['preinstall', 'install', 'postinstall']

function parseArguments(argv) {
  const options = { top: 1000, wide: false, cache: path.join(os.tmpdir(), 'safe-npm-measure-cache', '_cacache'), json: null, fixtures: true }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    const value = () => {
      const next = argv[++i]
      if (next === undefined) throw new Error(`${arg} needs a value`)
      return next
    }
    if (arg === '--top') options.top = Number(value())
    else if (arg === '--cache') options.cache = path.resolve(value(), '_cacache')
    else if (arg === '--json') options.json = value()
    else if (arg === '--no-fixtures') options.fixtures = false
    else if (arg === '--wide') options.wide = true
    else if (arg === '--packages') options.packages = value().split(',').filter(Boolean)
    else throw new Error(`unknown option ${arg}`)
  }
  return options
}

async function topNames(count, wide) {
  if (wide) return (await import('npm-high-impact')).npmTopDownloads.slice(0, count)
  return fs
    .readFileSync(path.join(BENCH_DIR, 'real-projects', 'top-downloads.txt'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .slice(0, count)
}

function listFiles(dir) {
  return fs.readdirSync(dir).flatMap((entry) => {
    const file = path.join(dir, entry)
    return fs.statSync(file).isDirectory() ? listFiles(file) : [file]
  })
}

async function measureTop(options, npmOptions) {
  const names = options.packages ?? (await topNames(options.top, options.wide))
  const failures = []
  const manifests = await mapConcurrently(names, 8, async (name) => {
    try {
      return await pacote.manifest(name, npmOptions)
    } catch (error) {
      failures.push(`${name}: ${String(error.message).split('\n')[0]}`)
      return null
    }
  })
  const scripted = manifests.filter((manifest) => manifest && (manifest.hasInstallScript || INSTALL_EVENTS.some((event) => manifest.scripts?.[event])))
  const results = await mapConcurrently(scripted, 4, async (manifest) => {
    const target = {
      location: `node_modules/${manifest.name}`,
      name: manifest.name,
      version: manifest.version,
      resolved: manifest._resolved ?? manifest.dist?.tarball ?? null,
      integrity: manifest._integrity ?? manifest.dist?.integrity ?? null,
      declared: { scripts: {}, hasScriptList: false, dependencies: {}, optionalDependencies: {}, peerDependencies: {}, bin: {} },
    }
    const fact = await readTarballManifest(target, npmOptions)
    return { name: manifest.name, version: manifest.version, fact }
  })
  return { names: names.length, failures, results }
}

async function measureFixtures() {
  const rows = []
  for (const folder of fs.readdirSync(FIXTURES).sort()) {
    const dir = path.join(FIXTURES, folder)
    if (!fs.statSync(dir).isDirectory()) continue
    const files = listFiles(dir).map((file) => path.relative(dir, file).split(path.sep).join('/'))
    const scripts = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).scripts ?? {}
    const commands = Object.fromEntries(Object.entries(scripts).filter(([event]) => INSTALL_EVENTS.includes(event)))
    const verdict = await judgeInstallScripts(commands, files, async (paths) => new Map(paths.map((file) => [file, { text: fs.readFileSync(path.join(dir, file), 'utf8') }])))
    rows.push({ folder, isIncident: !folder.startsWith('benign-'), verdict })
  }
  return rows
}

const options = parseArguments(process.argv.slice(2))
const registry = execFileSync('npm', ['config', 'get', 'registry'], { encoding: 'utf8' }).trim()
const npmOptions = { registry, cache: options.cache, fullMetadata: false, preferOnline: false }
const started = Date.now()
const top = await measureTop(options, npmOptions)
const read = top.results.filter((row) => row.fact.state === 'read')
const unreadable = top.results.filter((row) => row.fact.state !== 'read')
const escalated = read.filter((row) => (row.fact.manifest.scriptContent?.shapes ?? []).length > 0)
const withUnreadFiles = read.filter((row) => (row.fact.manifest.scriptContent?.unread ?? []).length > 0)
const filesRead = read.reduce((sum, row) => sum + (row.fact.manifest.scriptContent?.read.length ?? 0), 0)

console.log(`registry ${registry}; top ${top.names} packages, ${top.failures.length} not resolved; ${top.results.length} with install scripts (current versions), ${read.length} tarballs read, ${unreadable.length} unreadable; ${filesRead} script files read; ${((Date.now() - started) / 1000).toFixed(1)} s`)
for (const failure of top.failures) console.log(`  not resolved: ${failure}`)
for (const row of unreadable) console.log(`  unreadable: ${row.name}@${row.version}: ${row.fact.reason}`)
for (const row of withUnreadFiles) console.log(`  files not read: ${row.name}@${row.version}: ${row.fact.manifest.scriptContent.unread.join(', ')}`)
console.log(`escalations on the top packages: ${escalated.length}`)
for (const row of escalated) console.log(`  ${row.name}@${row.version}: ${describeShapes(row.fact.manifest.scriptContent.shapes, 10)}`)
if (process.env.SAFE_NPM_MEASURE_VERBOSE) {
  for (const row of read) console.log(`  ${row.name}@${row.version}: ${JSON.stringify(row.fact.manifest.scripts)} read ${row.fact.manifest.scriptContent?.read.join(', ') || 'nothing'}`)
}

let fixtures = []
if (options.fixtures) {
  fixtures = await measureFixtures()
  const caught = fixtures.filter((row) => row.isIncident && row.verdict.shapes.length > 0)
  const incidents = fixtures.filter((row) => row.isIncident)
  const benignEscalated = fixtures.filter((row) => !row.isIncident && row.verdict.shapes.length > 0)
  console.log(`incident fixtures escalated: ${caught.length} of ${incidents.length}; benign fixtures escalated: ${benignEscalated.length} of ${fixtures.length - incidents.length}`)
  for (const row of fixtures) {
    const shapes = [...new Set(row.verdict.shapes.map((hit) => hit.shape))]
    console.log(`  ${row.folder}: ${shapes.length > 0 ? shapes.join(', ') : 'nothing'} (${row.verdict.read.join(', ')})`)
  }
}
if (options.json) {
  fs.writeFileSync(options.json, JSON.stringify({
    registry,
    top: { names: top.names, failures: top.failures, scripted: top.results.map((row) => ({ name: row.name, version: row.version, state: row.fact.state, scripts: row.fact.manifest?.scripts, scriptContent: row.fact.manifest?.scriptContent, reason: row.fact.reason })) },
    fixtures,
  }, null, 2))
}
const missed = fixtures.filter((row) => row.isIncident && row.verdict.shapes.length === 0)
process.exitCode = escalated.length === 0 && missed.length === 0 && unreadable.length === 0 ? 0 : 1
